package io.cairn.storage.mvcc;

import com.google.protobuf.ByteString;
import io.cairn.proto.mvccpb.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;

/**
 * etcd's HashKV, bit for bit: CRC-32C of {@code "key"} followed by, in revision order, each version's etcd backend
 * key ({@code BE64(rev) '_' BE64(sub)}, plus {@code 't'} for a tombstone) and its etcd backend value (the marshaled
 * {@code mvccpb.KeyValue}; a tombstone's holds only the key). Versions above the hash revision R are left out; of those
 * at or below the compact revision C, only the ones a finished compaction keeps (the newest version of a key at or
 * below C, unless it is a tombstone), and, when any key is live at R, only those still live at R (etcd's
 * {@code kvindex.Keep(R)} filter). The result is therefore the same whether or not the physical compaction has
 * finished, and equals etcd's for the same history once etcd's has.
 *
 * <p>Reads one RocksDB snapshot: the versions at or below C by seeking per key in {@code kv} (sorted afterwards into
 * revision order), the rest from the {@code rev} change log.
 */
final class KvHasher {
  private static final byte[] KEY_BUCKET = "key".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] LEASE_BUCKET = "lease".getBytes(StandardCharsets.US_ASCII);

  private final KvDatabase db;
  private final ReadOptions ro;
  private final CRC32C crc = new CRC32C();

  private KvHasher(KvDatabase db, ReadOptions ro) {
    this.db = db;
    this.ro = ro;
  }

  /**
   * HashKV at {@code revision} (0: current; {@code all}: the whole-store hash) with the store's current and compact
   * revisions as of now, under one snapshot; validated as etcd 3.6 does.
   */
  static StoreHash hash(KvDatabase db, AtomicLong currentRev, AtomicLong compactRev, long revision, boolean all) {
    while (true) {
      long cur = currentRev.get();
      long compact = compactRev.get();
      if (revision > 0 && revision < compact) throw MvccException.compacted();
      if (revision > cur) throw MvccException.futureRev();
      long rev = revision == 0 ? cur : revision; // etcd passes a negative one on, which matches nothing
      Snapshot snap = db.snapshot();
      try (ReadOptions ro = new ReadOptions().setSnapshot(snap)) {
        // a compaction publishes its revision before deleting anything: if it is unchanged now, the snapshot
        // holds every version above `compact`
        if (compactRev.get() != compact) continue;
        int h = all ? hashAll(db, ro, rev, compact) : hashKv(db, ro, rev, compact);
        return new StoreHash(h, cur, compact, rev);
      } finally {
        db.releaseSnapshot(snap);
      }
    }
  }

  /** The number of kv rows: every version of every key. */
  static long versions(KvDatabase db) {
    long n = 0;
    try (RocksIterator it = db.newIterator(db.kv)) {
      for (it.seekToFirst(); it.isValid(); it.next()) n++;
    }
    return n;
  }

  /** HashKV at {@code rev} with compact revision {@code compact} (-1: never), over the snapshot {@code ro} reads. */
  static int hashKv(KvDatabase db, ReadOptions ro, long rev, long compact) {
    KvHasher h = new KvHasher(db, ro);
    h.keyHistory(rev, compact);
    return (int) h.crc.getValue();
  }

  /**
   * etcd's Hash covers its whole backend, whose layout Cairn does not share; Cairn's covers what that backend holds
   * that members must agree on: the key history as HashKV sees it at {@code rev}, then every lease row.
   */
  static int hashAll(KvDatabase db, ReadOptions ro, long rev, long compact) {
    KvHasher h = new KvHasher(db, ro);
    h.keyHistory(rev, compact);
    h.crc.update(LEASE_BUCKET);
    try (RocksIterator it = db.newIterator(db.lease, ro)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        h.crc.update(it.key());
        h.crc.update(it.value());
      }
    }
    return (int) h.crc.getValue();
  }

  private void keyHistory(long rev, long compact) {
    crc.update(KEY_BUCKET);
    if (rev < 0) {
      return; // etcd hashes no version for a negative revision (every one is above it)
    }
    if (compact >= 0) {
      for (Version v : keptAtOrBelow(rev, compact)) {
        write(v.rev, v.sub, KeyCodec.isTombstone(v.kvKey), KeyCodec.userKey(v.kvKey), v.kvKey);
      }
    }
    try (RocksIterator it = db.newIterator(db.rev, ro)) {
      for (it.seek(KeyCodec.revKey(compact + 1, 0)); it.isValid(); it.next()) {
        byte[] k = it.key();
        long r = KeyCodec.revKeyRevision(k);
        if (r > rev) break;
        byte[] v = it.value();
        ByteString key = ByteString.copyFrom(v, 1, v.length - 1);
        boolean tomb = v[0] == KeyCodec.KIND_TOMBSTONE;
        int sub = KeyCodec.revKeySub(k);
        write(r, sub, tomb, key, KeyCodec.versionKey(KeyCodec.prefix(key), r, sub, v[0]));
      }
    }
  }

  private record Version(long rev, int sub, byte[] kvKey) {}

  /**
   * The versions at or below {@code compact} that etcd's hash includes, in revision order: per key the newest one at
   * or below C if it is a put; if any key is live at {@code rev}, only those still live at R.
   */
  private List<Version> keptAtOrBelow(long rev, long compact) {
    List<Version> survivors = new ArrayList<>();
    List<Version> liveAtRev = new ArrayList<>();
    boolean anyLive = false;
    try (RocksIterator it = db.newIterator(db.kv, ro)) {
      it.seekToFirst();
      while (it.isValid()) {
        byte[] first = it.key();
        byte[] prefix = java.util.Arrays.copyOf(first, KeyCodec.prefixLength(first));
        Version atRev = newestAtOrBelow(it, prefix, rev);
        Version atCompact = atRev != null && atRev.rev <= compact ? atRev : newestAtOrBelow(it, prefix, compact);
        if (atRev != null && !KeyCodec.isTombstone(atRev.kvKey)) {
          anyLive = true;
          if (atRev == atCompact) liveAtRev.add(atRev);
        }
        if (atCompact != null && !KeyCodec.isTombstone(atCompact.kvKey)) survivors.add(atCompact);
        it.seek(KeyCodec.pastAllVersions(prefix));
      }
    }
    List<Version> out = anyLive ? liveAtRev : survivors;
    out.sort(Comparator.comparingLong(Version::rev).thenComparingInt(Version::sub));
    return out;
  }

  private static Version newestAtOrBelow(RocksIterator it, byte[] prefix, long rev) {
    it.seek(KeyCodec.seekAtOrBelow(prefix, rev));
    if (!it.isValid()) return null;
    byte[] k = it.key();
    return KeyCodec.hasPrefix(k, prefix) ? new Version(KeyCodec.revision(k), KeyCodec.sub(k), k) : null;
  }

  /** One version as etcd's key bucket holds it. */
  private void write(long rev, int sub, boolean tombstone, ByteString key, byte[] kvKey) {
    byte[] etcdKey = new byte[tombstone ? 18 : 17];
    KeyCodec.putLong(etcdKey, 0, rev);
    etcdKey[8] = '_';
    KeyCodec.putLong(etcdKey, 9, sub);
    if (tombstone) etcdKey[17] = 't';
    KeyValue kv;
    if (tombstone) {
      kv = KeyValue.newBuilder().setKey(key).build();
    } else {
      byte[] record = db.get(db.kv, ro, kvKey);
      if (record == null) return; // a version written twice in one revision and compacted: not in etcd either
      kv = VersionRecord.decode(key, rev, record, true);
    }
    crc.update(etcdKey);
    crc.update(kv.toByteArray());
  }
}
