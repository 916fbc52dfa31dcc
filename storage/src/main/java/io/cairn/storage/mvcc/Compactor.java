package io.cairn.storage.mvcc;

import com.google.protobuf.ByteString;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Physically removes history below a compact revision C on one background thread, in bounded WriteBatches:
 * per key, every version older than the newest version at or below C is deleted, and that newest version too if it
 * is a tombstone; rev entries below C are dropped. Only keys changed since the last finished compaction F can have
 * anything to drop (a finished compaction left at most one live version <= F per key), so the key set comes from the
 * rev entries in [F, C] instead of a scan of the whole key space.
 *
 * <p>Crash safety (see ENCODING.md): C is recorded in meta (compact_scheduled) before any deletion; compact_finished
 * and the removal of rev entries < C are written in the last batch. Every step is idempotent, so a compaction
 * interrupted anywhere is simply run again from F on the next open. Readers at revisions >= C never observe a
 * difference: for each key the version they see is the kept one or newer, and a kept tombstone is deleted only in a
 * batch at or after the batches deleting the older versions it hides.
 */
final class Compactor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Compactor.class);

  private final KvDatabase db;
  private final int batchOps;
  private final ExecutorService thread;
  private volatile long finished;
  private volatile boolean closing;

  /** @param finished the last finished compact revision, -1 if none */
  Compactor(KvDatabase db, int batchOps, long finished) {
    this.db = db;
    this.batchOps = batchOps;
    this.finished = finished;
    this.thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "cairn-mvcc-compactor");
      t.setDaemon(true);
      return t;
    });
  }

  long finished() {
    return finished;
  }

  /** Queues a compaction to {@code rev}; jobs run in order. The future completes when it is done (or skipped). */
  CompletableFuture<Void> schedule(long rev) {
    return CompletableFuture.runAsync(() -> {
      try {
        compact(rev);
      } catch (RuntimeException e) {
        // left scheduled-but-unfinished: the next compaction or the next open covers it again
        log.atError().addKeyValue("compact-revision", rev).setCause(e).log("failed scheduled compaction");
        throw e;
      }
    }, thread);
  }

  /**
   * Queues etcd's compaction hash: HashKV at {@code c} with compact revision {@code previous}, over {@code snap} (taken
   * when the compaction was recorded, so it still holds the history the compaction removes); the snapshot is released
   * here. Queued before the compaction itself, which therefore never runs first.
   */
  void scheduleHash(org.rocksdb.Snapshot snap, long c, long previous, java.util.function.Consumer<StoreHash> out) {
    thread.execute(() -> {
      try (org.rocksdb.ReadOptions ro = new org.rocksdb.ReadOptions().setSnapshot(snap)) {
        if (!closing) {
          out.accept(new StoreHash(KvHasher.hashKv(db, ro, c, previous), c, previous, c));
        }
      } catch (RuntimeException e) {
        log.error("mvcc compaction hash at revision {} failed", c, e);
      } finally {
        db.releaseSnapshot(snap);
      }
    });
  }

  private void compact(long c) {
    if (c <= finished || closing) return;
    long started = System.nanoTime();
    byte[] cursor = KeyCodec.revKey(Math.max(finished, 0), 0);
    byte[] stop = KeyCodec.revKey(c + 1, 0); // rev entries with revision <= c
    long deleted = 0;
    try (Batcher out = new Batcher()) {
      while (true) {
        if (closing) return; // resumes on the next open: compact_finished was not written
        Set<ByteString> keys = new LinkedHashSet<>();
        byte[] last = null;
        boolean more;
        try (RocksIterator it = db.newIterator(db.rev)) {
          for (it.seek(cursor); it.isValid() && keys.size() < batchOps; it.next()) {
            byte[] k = it.key();
            if (Arrays.compareUnsigned(k, stop) >= 0) break;
            byte[] v = it.value();
            keys.add(ByteString.copyFrom(v, 1, v.length - 1));
            last = k;
          }
          more = it.isValid() && Arrays.compareUnsigned(it.key(), stop) < 0;
        }
        for (ByteString key : keys) compactKey(key, c, out);
        out.flush();
        io.cairn.storage.failpoint.Failpoints.hit(io.cairn.storage.failpoint.Failpoints.Point.compactBetweenBatches);
        if (!more || last == null) break;
        cursor = Arrays.copyOf(last, last.length + 1); // the immediate successor of the last rev key read
      }
      deleted = out.total;
      try (WriteBatch fin = new WriteBatch()) {
        fin.deleteRange(db.rev, KeyCodec.revKey(0, 0), KeyCodec.revKey(c, 0));
        fin.put(db.meta, KvDatabase.META_COMPACT_FINISHED, KeyCodec.longBytes(c));
        db.write(fin, true); // durable; the WAL is ordered, so every earlier batch is durable too
      } catch (RocksDBException e) {
        throw KvDatabase.failure("finish compaction", e);
      }
      finished = c;
    }
    // etcd's line (mvcc/kvstore_compaction.go); took is a Duration so the server's log encoder writes Go's form
    log.atInfo().addKeyValue("compact-revision", c)
        .addKeyValue("took", java.time.Duration.ofNanos(System.nanoTime() - started))
        .addKeyValue("versions-removed", deleted).log("finished scheduled compaction");
  }

  /**
   * Deletes what compaction to {@code c} drops for one key; the kept tombstone goes last. The iterator is bounded to
   * the key's own versions: a key already compacted away (a key often appears twice, by its put and its delete) would
   * otherwise send the seek across every RocksDB tombstone up to the next live key, which made compacting a deleted
   * prefix quadratic (minutes for 10,000 keys).
   */
  private void compactKey(ByteString key, long c, Batcher out) {
    byte[] prefix = KeyCodec.prefix(key);
    try (Slice bound = new Slice(KeyCodec.pastAllVersions(prefix));
        ReadOptions ro = new ReadOptions().setIterateUpperBound(bound);
        // kv_keys holds kv's key set without the values: the walk reads no value bytes
        RocksIterator it = db.newIterator(db.kvKeys, ro)) {
      it.seek(KeyCodec.seekAtOrBelow(prefix, c));
      if (!it.isValid() || !KeyCodec.hasPrefix(it.key(), prefix)) return; // already compacted away
      byte[] kept = it.key();
      for (it.next(); it.isValid() && KeyCodec.hasPrefix(it.key(), prefix); it.next()) out.delete(it.key());
      if (KeyCodec.isTombstone(kept)) out.delete(kept);
    }
  }

  /** Accumulates deletions and writes them every {@code batchOps}, without fsync (the final batch syncs). */
  private final class Batcher implements AutoCloseable {
    private WriteBatch batch = new WriteBatch();
    private int pending;
    long total;

    void delete(byte[] kvKey) {
      try {
        batch.delete(db.kv, kvKey);
        batch.delete(db.kvKeys, kvKey); // kv_keys keeps kv's key set exactly
      } catch (RocksDBException e) {
        throw KvDatabase.failure("stage compaction delete", e);
      }
      total++;
      if (++pending >= batchOps) flush();
    }

    void flush() {
      if (pending == 0) return;
      db.write(batch, false);
      batch.close();
      batch = new WriteBatch();
      pending = 0;
    }

    @Override
    public void close() {
      batch.close();
    }
  }

  @Override
  public void close() {
    closing = true;
    thread.shutdown();
    try {
      if (!thread.awaitTermination(60, TimeUnit.SECONDS)) log.warn("mvcc compactor did not stop within 60 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
