package io.cairn.storage.mvcc;

import com.google.protobuf.ByteString;
import java.nio.file.Files;
import java.nio.file.Path;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * Builds a new store from another system's history (an etcd backend): versions with their own revisions, leases,
 * auth rows and the compaction marks, written as the store's own writes would have left them (kv, kv_keys and rev
 * rows, lease rows, the kv_live and lease_keys indexes of each key's live version). Written in unsynced batches and
 * made durable by one flush in {@link #finish}; a store left unfinished is garbage and the caller deletes it. Open the
 * result with {@link MvccStore#open}.
 */
public final class StoreImport implements AutoCloseable {
  private static final long BATCH_BYTES = 4L << 20;

  private final KvDatabase db;
  private WriteBatch batch = new WriteBatch();
  private long maxRevision;

  private StoreImport(KvDatabase db) {
    this.db = db;
  }

  /** A new store in {@code dir}, which must not exist or be empty. */
  public static StoreImport create(Path dir, StoreOptions options) throws java.io.IOException {
    if (Files.exists(dir)) {
      try (var s = Files.list(dir)) {
        if (s.findAny().isPresent()) throw new java.io.IOException("import target " + dir + " is not empty");
      }
    }
    return new StoreImport(KvDatabase.open(dir, options));
  }

  /** One version at {@code revision.sub}: a put with its KeyValue fields, or a tombstone (the rest ignored). */
  public void version(ByteString key, long revision, long sub, boolean tombstone, long createRevision, long version,
      long lease, ByteString value) {
    if (revision <= 0 || sub < 0 || sub > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("revision " + revision + "_" + sub + " out of range");
    }
    byte kind = tombstone ? KeyCodec.KIND_TOMBSTONE : KeyCodec.KIND_PUT;
    byte[] record = tombstone ? VersionRecord.TOMBSTONE : VersionRecord.encode(createRevision, version, lease, value);
    byte[] kvKey = KeyCodec.versionKey(KeyCodec.prefix(key), revision, (int) sub, kind);
    put(db.kv, kvKey, record);
    put(db.kvKeys, kvKey, VersionRecord.header(record));
    put(db.rev, KeyCodec.revKey(revision, (int) sub), KeyCodec.revValue(kind, key));
    maxRevision = Math.max(maxRevision, revision);
  }

  /** A lease with its granted TTL and checkpointed remaining TTL (0: none). */
  public void lease(long id, long ttl, long remainingTtl) {
    put(db.lease, LeaseCodec.leaseKey(id), LeaseCodec.leaseValue(ttl, remainingTtl));
  }

  /** An auth row, in the server's format (the store treats it as opaque). */
  public void authRow(byte[] key, byte[] value) {
    put(db.auth, key, value);
  }

  /** The highest revision of the versions given so far. */
  public long maxRevision() {
    return maxRevision;
  }

  /**
   * Ends the import: indexes each key's live version under its lease (if that lease was given), records the current
   * revision and the compaction marks ({@code -1}: none; a scheduled one above the finished one resumes on open, as
   * in etcd), and flushes everything to the store's files.
   */
  public void finish(long currentRevision, long scheduledCompact, long finishedCompact) {
    writeBatch();
    attachLiveKeys();
    try (WriteBatch meta = new WriteBatch()) {
      meta.put(db.meta, KvDatabase.META_CURRENT_REVISION, KeyCodec.longBytes(Math.max(currentRevision, 1)));
      meta.put(db.meta, KvDatabase.META_CONSISTENT_INDEX, KeyCodec.longBytes(0));
      if (scheduledCompact > 0) {
        meta.put(db.meta, KvDatabase.META_COMPACT_SCHEDULED, KeyCodec.longBytes(scheduledCompact));
        meta.put(db.meta, KvDatabase.META_COMPACT_FINISHED, KeyCodec.longBytes(Math.min(
            finishedCompact > 0 ? finishedCompact : -1, scheduledCompact)));
      }
      db.write(meta, true);
    } catch (RocksDBException e) {
      throw KvDatabase.failure("import meta", e);
    }
    db.flush();
  }

  /** Indexes every key whose newest version is a put: kv_live, and lease_keys when its lease was given. */
  private void attachLiveKeys() {
    StoreFormat.forEachNewest(db, (kvKey, header) -> {
      if (KeyCodec.isTombstone(kvKey)) return;
      ByteString key = KeyCodec.userKey(kvKey);
      put(db.kvLive, key.toByteArray(), VersionRecord.live(header, KeyCodec.revision(kvKey)));
      long lease = VersionRecord.lease(header);
      if (lease != 0 && db.get(db.lease, LeaseCodec.leaseKey(lease)) != null) {
        put(db.leaseKeys, LeaseCodec.attachKey(lease, key), LeaseCodec.EMPTY);
      }
    });
    writeBatch();
  }

  private void put(org.rocksdb.ColumnFamilyHandle cf, byte[] key, byte[] value) {
    try {
      batch.put(cf, key, value);
    } catch (RocksDBException e) {
      throw KvDatabase.failure("stage import", e);
    }
    if (batch.getDataSize() >= BATCH_BYTES) writeBatch();
  }

  private void writeBatch() {
    if (batch.count() == 0) return;
    db.write(batch, false); // durable at finish's flush
    batch.close();
    batch = new WriteBatch();
  }

  @Override
  public void close() {
    batch.close();
    db.close();
  }
}
