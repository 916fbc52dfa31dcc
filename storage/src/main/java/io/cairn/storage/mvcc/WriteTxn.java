package io.cairn.storage.mvcc;

import com.google.protobuf.ByteString;
import io.cairn.proto.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatchWithIndex;

/**
 * One atomic write at revision {@code beginRev + 1}: every put/delete becomes a new kv version plus a rev entry with
 * the next sub-revision, staged in the {@link WriteBatchWithIndex} of the {@link StoreBatch} it belongs to (which may
 * already hold earlier writes of the same batch; reads see them). Puts and deletes also keep the lease_keys index in
 * step (attach to the new lease, detach from the old one), and lease rows are staged in the same batch, so data,
 * attachments and leases always commit together. Reads through {@link #newIterator()} merge the
 * staged entries over the database, which gives a txn read-your-writes without touching the DB until commit. Kv
 * version keys are always new, but lease rows and lease_keys entries are overwritten and deleted: the merge is exact
 * only because the batch indexes with overwrite on ({@code new WriteBatchWithIndex(true)} in StoreBatch).
 */
final class WriteTxn implements RowSource, TxnView {
  private final KvDatabase db;
  private final long beginRev;
  private final WriteBatchWithIndex batch;
  private int nextSub;
  /** Set when something other than kv changes (lease rows, attachments) is staged. */
  private boolean dirty;
  /** Keys this txn made live (a put of an absent key) minus those it deleted. */
  private long liveDelta;
  private final List<Runnable> afterCommit = new ArrayList<>();
  /**
   * kv_live rows staged by the batch's earlier writes, by key (null: deleted); this txn's own go to {@link
   * #liveChanges}.
   */
  private final Map<ByteString, byte[]> batchLive;
  /** This txn's kv_live changes, by key: the batch takes them if the txn succeeds, and drops them with it if not. */
  private final Map<ByteString, byte[]> liveChanges = new HashMap<>();
  /** Marks a key with no staged kv_live change (a staged delete maps to null). */
  private static final byte[] NOT_STAGED = new byte[0];

  WriteTxn(KvDatabase db, WriteBatchWithIndex batch, long beginRev, Map<ByteString, byte[]> batchLive) {
    this.db = db;
    this.batch = batch;
    this.beginRev = beginRev;
    this.batchLive = batchLive;
  }

  Map<ByteString, byte[]> liveChanges() {
    return liveChanges;
  }

  long beginRev() {
    return beginRev;
  }

  /** The revision of this txn's writes. */
  long writeRev() {
    return beginRev + 1;
  }

  long liveDelta() {
    return liveDelta;
  }

  boolean hasChanges() {
    return nextSub > 0;
  }

  /** Whether the batch holds anything to write besides meta entries. */
  boolean isDirty() {
    return dirty || nextSub > 0;
  }

  /** Runs {@code r} once the batch is written (never if the write is dropped). */
  void afterCommit(Runnable r) {
    afterCommit.add(r);
  }

  List<Runnable> afterCommitHooks() {
    return afterCommit;
  }

  /** etcd: a write txn reads at its own revision once it has changed something. */
  @Override
  public long readRev() {
    return hasChanges() ? beginRev + 1 : beginRev;
  }

  @Override
  public boolean readsNewest() {
    return true;
  }

  /** An iterator over the kv column family that also sees this txn's staged writes. Caller closes it. */
  @Override
  public RocksIterator newIterator() {
    return newIterator(db.kv);
  }

  /** The same over kv_keys (no values), also merging this txn's staged writes. */
  @Override
  public RocksIterator newKeyIterator() {
    return newIterator(db.kvKeys);
  }

  @Override
  public RocksIterator newIterator(ColumnFamilyHandle cf) {
    return batch.newIteratorWithBase(cf, db.newIterator(cf));
  }

  @Override
  public byte[] get(ColumnFamilyHandle cf, byte[] key) {
    return db.getThrough(batch, cf, key);
  }

  /** The live version of {@code key} at {@link #readRev()}, or null. */
  KeyValue get(ByteString key) {
    KeyValue[] found = {null};
    try (RocksIterator it = newIterator()) {
      RangeReader.forEachLive(it, KeyRange.of(key, ByteString.EMPTY), readRev(), (k, i) -> {
        found[0] = VersionRecord.decode(key, KeyCodec.revision(k), i.value(), true);
        return false;
      });
    }
    return found[0];
  }

  /**
   * The live version of {@code key} at {@link #readRev()} without its value, or null: its kv_live row (every live
   * key's newest header) as this txn's and the batch's staged writes leave it, else as committed, from the cache of
   * live rows or one point lookup. A write txn always reads the newest state, so that is its live version; a put or
   * delete never seeks through the key's history or copies its value.
   */
  @Override
  public KeyValue header(ByteString key) {
    byte[] live = liveChanges.getOrDefault(key, NOT_STAGED);
    if (live == NOT_STAGED) live = batchLive.getOrDefault(key, NOT_STAGED);
    if (live == NOT_STAGED) {
      live = db.liveCache.get(key);
      if (live == null) {
        byte[] k = key.toByteArray();
        live = db.get(db.kvLive, k);
        // nothing staged for the key, so this is its committed row
        if (live != null) db.liveCache.read(k, live);
      }
    }
    return live == null ? null : VersionRecord.decodeLive(key, live);
  }

  /**
   * etcd storeTxnWrite.put: keeps create_revision and bumps version if the key is live, else starts over. The key
   * moves from its previous lease (if any) to {@code lease} (0 = none).
   */
  void put(ByteString key, ByteString value, long lease) {
    KeyValue prev = header(key);
    long create = prev == null ? writeRev() : prev.getCreateRevision();
    long version = prev == null ? 1 : prev.getVersion() + 1;
    if (prev == null) liveDelta++;
    stage(key, KeyCodec.KIND_PUT, VersionRecord.encode(create, version, lease, value));
    long old = prev == null ? 0 : prev.getLease();
    if (old != lease) {
      if (old != 0) detach(old, key);
      if (lease != 0) attach(lease, key);
    }
  }

  /** Writes a tombstone for every live key of the range (detaching it from its lease); returns how many. */
  long deleteRange(KeyRange range) {
    List<ByteString> keys = new ArrayList<>();
    List<Long> leases = new ArrayList<>();
    if (range.single) {
      KeyValue kv = header(range.key);
      if (kv != null) {
        keys.add(range.key);
        leases.add(kv.getLease());
      }
    } else {
      byte[] end = range.end == null ? null : range.end.toByteArray();
      try (RocksIterator it = newIterator(db.kvLive)) { // live keys only, in user-key order, with their leases
        for (it.seek(range.key.toByteArray()); it.isValid(); it.next()) {
          byte[] k = it.key();
          if (end != null && java.util.Arrays.compareUnsigned(k, end) >= 0) break;
          keys.add(ByteString.copyFrom(k));
          leases.add(VersionRecord.lease(it.value()));
        }
        it.status(); // a scan cut short by a read error must not delete only part of the range
      } catch (RocksDBException e) {
        throw KvDatabase.failure("scan kv_live", e);
      }
    }
    // staged after the scan: the batch must not change under its own iterator
    liveDelta -= keys.size();
    for (int n = 0; n < keys.size(); n++) {
      stage(keys.get(n), KeyCodec.KIND_TOMBSTONE, VersionRecord.TOMBSTONE);
      if (leases.get(n) != 0) detach(leases.get(n), keys.get(n));
    }
    return keys.size();
  }

  private void attach(long lease, ByteString key) {
    try {
      batch.put(db.leaseKeys, LeaseCodec.attachKey(lease, key), LeaseCodec.EMPTY);
      dirty = true;
    } catch (RocksDBException e) {
      throw KvDatabase.failure("stage lease attach", e);
    }
  }

  void detach(long lease, ByteString key) {
    try {
      batch.delete(db.leaseKeys, LeaseCodec.attachKey(lease, key));
      dirty = true;
    } catch (RocksDBException e) {
      throw KvDatabase.failure("stage lease detach", e);
    }
  }

  /** Stages a lease row (grant or checkpoint). */
  void putLease(long id, long ttl, long remainingTtl) {
    try {
      batch.put(db.lease, LeaseCodec.leaseKey(id), LeaseCodec.leaseValue(ttl, remainingTtl));
      dirty = true;
    } catch (RocksDBException e) {
      throw KvDatabase.failure("stage lease", e);
    }
  }

  /** Stages the removal of a lease row; its keys are deleted (and detached) by the caller first. */
  void deleteLease(long id) {
    try {
      batch.delete(db.lease, LeaseCodec.leaseKey(id));
      dirty = true;
    } catch (RocksDBException e) {
      throw KvDatabase.failure("stage lease removal", e);
    }
  }

  private void stage(ByteString key, byte kind, byte[] record) {
    int sub = nextSub++;
    try {
      byte[] kvKey = KeyCodec.versionKey(KeyCodec.prefix(key), writeRev(), sub, kind);
      batch.put(db.kv, kvKey, record);
      byte[] header = VersionRecord.header(record);
      batch.put(db.kvKeys, kvKey, header);
      byte[] k = key.toByteArray();
      byte[] live = kind == KeyCodec.KIND_PUT ? VersionRecord.live(header, writeRev()) : null;
      if (live != null) {
        batch.put(db.kvLive, k, live);
      } else {
        batch.delete(db.kvLive, k);
      }
      liveChanges.put(key, live);
      batch.put(db.rev, KeyCodec.revKey(writeRev(), sub), KeyCodec.revValue(kind, key));
    } catch (RocksDBException e) {
      throw KvDatabase.failure("stage write", e);
    }
  }

  /** Stages an auth row ({@code value} null: delete it). */
  void putAuth(byte[] key, byte[] value) {
    try {
      if (value == null) {
        batch.delete(db.auth, key);
      } else {
        batch.put(db.auth, key, value);
      }
      dirty = true;
    } catch (RocksDBException e) {
      throw KvDatabase.failure("stage auth", e);
    }
  }

  /** Adds a meta entry to the same batch, so it commits atomically with the data. */
  void putMeta(byte[] key, long value) {
    try {
      batch.put(db.meta, key, KeyCodec.longBytes(value));
    } catch (RocksDBException e) {
      throw KvDatabase.failure("stage meta", e);
    }
  }

  /** Stages a meta row that is data (an alarm), not bookkeeping: the batch must be written. */
  void putMetaBytes(byte[] key, byte[] value) {
    try {
      batch.put(db.meta, key, value);
      dirty = true;
    } catch (RocksDBException e) {
      throw KvDatabase.failure("stage meta", e);
    }
  }

  void deleteMeta(byte[] key) {
    try {
      batch.delete(db.meta, key);
      dirty = true;
    } catch (RocksDBException e) {
      throw KvDatabase.failure("stage meta removal", e);
    }
  }

  int stagedEntries() {
    return batch.count();
  }
}
