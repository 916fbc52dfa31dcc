package io.cairn.storage.mvcc;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.RocksIterator;

/**
 * etcd's lessor bookkeeping that must be persisted and replicated (etcd {@code server/lease/lessor.go}: Grant,
 * Revoke, Checkpoint and the lease bucket), on the {@code lease} and {@code lease_keys} column families. Reads go
 * straight to the database; writes are staged in a {@link WriteTxn}, so they commit atomically with the kv changes
 * and the consistent index. Expiry is not here: it is decided by the leader's lessor in the server.
 */
final class LeaseTable {
  /** etcd's MaxLeaseTTL: 9,000,000,000 s (about 285 years). */
  static final long MAX_TTL = 9_000_000_000L;

  private final KvDatabase db;

  LeaseTable(KvDatabase db) {
    this.db = db;
  }

  // ------------------------------------------------------------------------------------------------ reads

  boolean exists(long id) {
    return exists(db, id);
  }

  boolean exists(RowSource src, long id) {
    return id != 0 && src.get(db.lease, LeaseCodec.leaseKey(id)) != null;
  }

  LeaseRecord get(long id) {
    return get(db, id);
  }

  private LeaseRecord get(RowSource src, long id) {
    byte[] v = src.get(db.lease, LeaseCodec.leaseKey(id));
    return v == null ? null : LeaseCodec.decode(id, v);
  }

  /** Every lease, by id (unsigned byte order of the id). */
  List<LeaseRecord> all() {
    List<LeaseRecord> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator(db.lease)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.add(LeaseCodec.decode(LeaseCodec.leaseId(it.key()), it.value()));
      }
    }
    return out;
  }

  /** The keys attached to lease {@code id}, in byte-wise order; empty for an unknown lease. */
  List<ByteString> keys(long id) {
    return keys(db, id);
  }

  private List<ByteString> keys(RowSource src, long id) {
    List<ByteString> out = new ArrayList<>();
    byte[] prefix = LeaseCodec.leaseKey(id);
    try (RocksIterator it = src.newIterator(db.leaseKeys)) {
      for (it.seek(prefix); it.isValid() && LeaseCodec.belongsTo(it.key(), prefix); it.next()) {
        out.add(LeaseCodec.attachedUserKey(it.key()));
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------------ writes

  /** etcd lessor.Grant's checks that do not depend on state: id 0 is "not found", TTL above the maximum. */
  static void validateGrant(long id, long ttl) {
    if (id == 0) throw MvccException.leaseNotFound();
    if (ttl > MAX_TTL) throw MvccException.leaseTtlTooLarge();
  }

  LeaseRecord grant(WriteTxn w, long id, long ttl) {
    if (exists(w, id)) throw MvccException.leaseExists();
    w.putLease(id, ttl, 0);
    return new LeaseRecord(id, ttl, 0);
  }

  /**
   * Deletes every key attached to the lease, in key order, as one write (one revision if any key was live), then the
   * lease itself. A key is deleted only if its live version still carries this lease; the index is kept exact by
   * every put and delete, so that check never fails in practice, but it makes a stale entry harmless.
   */
  void revoke(WriteTxn w, long id) {
    if (!exists(w, id)) throw MvccException.leaseNotFound();
    for (ByteString key : keys(w, id)) {
      var kv = w.header(key);
      if (kv != null && kv.getLease() == id) {
        w.deleteRange(KeyRange.of(key, ByteString.EMPTY)); // detaches it too
      } else {
        w.detach(id, key);
      }
    }
    w.deleteLease(id);
  }

  /** etcd lessor.Checkpoint: records the remaining TTL of a known lease; unknown leases are ignored. */
  boolean checkpoint(WriteTxn w, long id, long remainingTtl) {
    LeaseRecord l = get(w, id);
    if (l == null) return false;
    w.putLease(id, l.ttl(), remainingTtl);
    return true;
  }
}
