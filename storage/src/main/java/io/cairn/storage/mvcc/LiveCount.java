package io.cairn.storage.mvcc;

import java.util.Arrays;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;

/**
 * Counts a range's live keys on kv_live, which holds only the live keys: work per live key, where the same count on
 * kv_keys also steps over every older version. kv_live has no history, so it answers only for the revision it is at:
 * the count runs under one RocksDB snapshot, and only if the current revision recorded in that snapshot (written in
 * the same batch as every kv_live change) is the revision asked for. Otherwise it declines, and the caller counts on
 * kv_keys as before.
 */
final class LiveCount {
  /** The count could not be made at the revision asked for. */
  static final long DECLINED = -1;

  private LiveCount() {}

  /**
   * Live keys of {@code range} at {@code rev} whose escaped prefix sorts after {@code afterPrefix} (null: the whole
   * range), or {@link #DECLINED}.
   */
  static long count(KvDatabase db, KeyRange range, byte[] afterPrefix, long rev) {
    if (range.single && afterPrefix != null) return 0; // a single key has nothing after it
    Snapshot snapshot = db.snapshot();
    try (ReadOptions ro = new ReadOptions().setSnapshot(snapshot)) {
      byte[] at = db.get(db.meta, ro, KvDatabase.META_CURRENT_REVISION);
      if ((at == null ? 1 : KeyCodec.getLong(at, 0)) != rev) return DECLINED;
      if (range.single) return db.get(db.kvLive, ro, range.key.toByteArray()) == null ? 0 : 1;
      byte[] end = range.end == null ? null : range.end.toByteArray();
      byte[] after = afterPrefix == null ? null : KeyCodec.userKey(withSuffix(afterPrefix)).toByteArray();
      long count = 0;
      try (RocksIterator it = db.newIterator(db.kvLive, ro)) {
        it.seek(after == null ? range.key.toByteArray() : after);
        if (after != null && it.isValid() && Arrays.equals(it.key(), after)) it.next();
        for (; it.isValid(); it.next()) {
          if (end != null && Arrays.compareUnsigned(it.key(), end) >= 0) break;
          count++;
        }
        it.status();
      }
      return count;
    } catch (RocksDBException e) {
      throw KvDatabase.failure("count on kv_live", e);
    } finally {
      db.releaseSnapshot(snapshot);
    }
  }

  /** A kv key with this prefix (any suffix), so that {@link KeyCodec#userKey} can decode the prefix. */
  private static byte[] withSuffix(byte[] prefix) {
    return Arrays.copyOf(prefix, prefix.length + KeyCodec.SUFFIX);
  }
}
