package io.cairn.storage.mvcc;

import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.CompactRangeOptions.BottommostLevelCompaction;
import org.rocksdb.RocksDBException;

/**
 * etcd's Defragment on RocksDB: a full manual compaction of every column family, which drops what deletes and
 * compaction freed and so returns the space. Unlike bbolt's defragment (which copies the database while holding the
 * backend's lock, so its member serves nothing for the duration), this one only competes with clients for disk and
 * CPU: it runs beside reads and writes, takes no store lock beyond the close guard's shared side, and leaves
 * RocksDB's own compactions running so that writes never stall behind it.
 *
 * <p>One defragment runs at a time; a second waits for the first. Closing or replacing the store cancels a running
 * one ({@link #cancel}), since both wait for it otherwise.
 */
final class Defragmenter {
  private final Object oneAtATime = new Object();
  /** Guards {@link #running}: cancel must never touch options that were already closed. */
  private final Object runningGuard = new Object();
  private CompactRangeOptions running;
  /** Test hook: runs after each column family is compacted. */
  volatile Runnable afterFamily = () -> { };

  /** Compacts every column family of {@code db}; throws if cancelled part way (the store is then still whole). */
  void run(KvDatabase db) {
    synchronized (oneAtATime) {
      try (CompactRangeOptions o = new CompactRangeOptions()
          // RocksDB's automatic compactions go on meanwhile: level 0 never piles up behind the defragment
          .setExclusiveManualCompaction(false)
          // rewrite the last level too, where the space of deleted and compacted revisions sits
          .setBottommostLevelCompaction(BottommostLevelCompaction.kForceOptimized)
          // wait for room rather than stall clients' writes
          .setAllowWriteStall(false)
          // one thread: the other core stays with the clients
          .setMaxSubcompactions(1)) {
        synchronized (runningGuard) {
          running = o;
        }
        try {
          for (ColumnFamilyHandle cf : db.families()) {
            if (o.canceled()) {
              throw interrupted(null);
            }
            db.compactFamily(cf, o);
            afterFamily.run();
          }
        } catch (RocksDBException e) {
          if (o.canceled()) {
            throw interrupted(e);
          }
          throw new IllegalStateException("mvcc: defragment failed: " + e.getMessage(), e);
        } finally {
          synchronized (runningGuard) {
            running = null;
          }
        }
      }
    }
  }

  /** Asks a running defragment to stop as soon as RocksDB allows; does nothing when none runs. */
  void cancel() {
    synchronized (runningGuard) {
      if (running != null) {
        running.setCanceled(true);
      }
    }
  }

  private static MvccException interrupted(Throwable cause) {
    MvccException e = new MvccException(MvccException.Code.FAILED_PRECONDITION,
        "mvcc: defragment interrupted: the store was closed or replaced");
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }
}
