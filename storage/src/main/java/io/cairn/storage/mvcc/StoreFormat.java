package io.cairn.storage.mvcc;

import java.util.Arrays;
import java.util.function.BiConsumer;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage format recorded in meta, and the migrations that bring an older store up to it once, at open, before
 * anything reads it (see docs/storage-encoding.md):
 *
 * <ul>
 *   <li>1: kv, rev, meta (lease, lease_keys and auth came later and are simply created empty);
 *   <li>2: kv_keys, every kv entry without its value;
 *   <li>3: kv_live, every live key's newest version header, read by writes instead of seeking kv_keys.
 * </ul>
 *
 * <p>Each step fills its family from the families below it, in bounded unsynced batches; makes that durable with a
 * flush of every family; and only then records its format number (synced). Nothing else writes meanwhile and every
 * entry written is a pure function of the source, so a step cut short by a crash leaves the older format number and is
 * redone from its start on the next open, whatever it had written.
 */
final class StoreFormat {
  private static final Logger log = LoggerFactory.getLogger(StoreFormat.class);

  static final long CURRENT = 3;
  /** Entries written per batch during a migration. */
  static final int MIGRATION_BATCH_ENTRIES = 10_000;

  private StoreFormat() {}

  /** Records the current format in a new store, migrates an older one, refuses an unknown one. */
  static void check(KvDatabase db) {
    long format = db.metaLong(KvDatabase.META_FORMAT, -1);
    if (format == -1) {
      // a new store: format 1 was always written at the first open, so a store without it holds nothing
      db.putMetaLong(KvDatabase.META_FORMAT, CURRENT);
      return;
    }
    if (format < 1 || format > CURRENT) {
      throw new IllegalStateException("mvcc: unsupported storage format " + format + " in " + db.dir());
    }
    if (format < 2) migrate(db, 2, StoreFormat::fillKeyIndex);
    if (format < 3) migrate(db, 3, StoreFormat::fillLiveIndex);
  }

  /** One fill of a family, counting what it wrote and what it removed. */
  private interface Fill {
    long[] run(KvDatabase db, Batches out) throws RocksDBException;
  }

  private static void migrate(KvDatabase db, long to, Fill fill) {
    long started = System.nanoTime();
    long[] counts;
    try (Batches out = new Batches(db)) {
      counts = fill.run(db, out);
    } catch (RocksDBException e) {
      throw KvDatabase.failure("migrate to format " + to, e);
    }
    db.flush(); // the fill is in SST files (atomic flush: every family) before the format says it is there
    db.putMetaLong(KvDatabase.META_FORMAT, to);
    log.info("mvcc: migrated {} to storage format {}: wrote {} entries ({} stale removed) in {} ms", db.dir(), to,
        counts[0], counts[1], (System.nanoTime() - started) / 1_000_000);
  }

  /**
   * Format 2: kv_keys equal to kv minus the values, in one merged scan of both; a kv_keys entry with no kv entry
   * (only a partial earlier run can have left kv_keys non-empty) is deleted.
   */
  private static long[] fillKeyIndex(KvDatabase db, Batches out) throws RocksDBException {
    long entries = 0;
    long stale = 0;
    try (RocksIterator it = db.newIterator(db.kv); RocksIterator old = db.newIterator(db.kvKeys)) {
      old.seekToFirst();
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] k = it.key();
        for (; old.isValid() && Arrays.compareUnsigned(old.key(), k) <= 0; old.next()) {
          if (!Arrays.equals(old.key(), k)) {
            out.delete(db.kvKeys, old.key());
            stale++;
          }
        }
        out.put(db.kvKeys, k, VersionRecord.header(it.value()));
        entries++;
      }
      for (; old.isValid(); old.next()) {
        out.delete(db.kvKeys, old.key());
        stale++;
      }
      it.status();
      old.status();
    }
    return new long[] {entries, stale};
  }

  /** Format 3: kv_live emptied (of a partial earlier run), then one entry per key whose newest version is a put. */
  private static long[] fillLiveIndex(KvDatabase db, Batches out) throws RocksDBException {
    long stale = 0;
    try (RocksIterator old = db.newIterator(db.kvLive)) {
      for (old.seekToFirst(); old.isValid(); old.next()) {
        out.delete(db.kvLive, old.key());
        stale++;
      }
      old.status();
    }
    out.flushPending(); // the deletes land before the puts of the same keys
    long[] entries = {0};
    forEachNewest(db, (kvKey, header) -> {
      if (KeyCodec.isTombstone(kvKey)) return;
      out.put(db.kvLive, KeyCodec.userKey(kvKey).toByteArray(), VersionRecord.live(header, KeyCodec.revision(kvKey)));
      entries[0]++;
    });
    return new long[] {entries[0], stale};
  }

  /**
   * Calls {@code each} with the kv_keys entry (key, header) of every user key's newest version, tombstones included:
   * kv keys sort by user key, newest version first, so it is the first entry of each key.
   */
  static void forEachNewest(KvDatabase db, BiConsumer<byte[], byte[]> each) {
    byte[] prefix = null;
    try (RocksIterator it = db.newIterator(db.kvKeys)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] k = it.key();
        if (prefix != null && KeyCodec.hasPrefix(k, prefix)) continue;
        prefix = Arrays.copyOf(k, KeyCodec.prefixLength(k));
        each.accept(k, it.value());
      }
      it.status();
    } catch (RocksDBException e) {
      throw KvDatabase.failure("scan kv_keys", e);
    }
  }

  /** Unsynced write batches of at most {@link #MIGRATION_BATCH_ENTRIES} entries; the last is written at close. */
  private static final class Batches implements AutoCloseable {
    private final KvDatabase db;
    private WriteBatch batch = new WriteBatch();

    Batches(KvDatabase db) {
      this.db = db;
    }

    void put(ColumnFamilyHandle cf, byte[] key, byte[] value) {
      try {
        batch.put(cf, key, value);
      } catch (RocksDBException e) {
        throw KvDatabase.failure("stage migration write", e);
      }
      if (batch.count() >= MIGRATION_BATCH_ENTRIES) flushPending();
    }

    void delete(ColumnFamilyHandle cf, byte[] key) {
      try {
        batch.delete(cf, key);
      } catch (RocksDBException e) {
        throw KvDatabase.failure("stage migration delete", e);
      }
      if (batch.count() >= MIGRATION_BATCH_ENTRIES) flushPending();
    }

    /** Writes what is staged (the scans read the database, never the batch). */
    void flushPending() {
      if (batch.count() == 0) return;
      db.write(batch, false);
      batch.close();
      batch = new WriteBatch();
    }

    @Override
    public void close() {
      try {
        flushPending();
      } finally {
        batch.close();
      }
    }
  }
}
