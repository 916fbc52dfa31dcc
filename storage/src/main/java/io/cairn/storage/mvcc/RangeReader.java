package io.cairn.storage.mvcc;

import java.util.Arrays;
import org.rocksdb.RocksIterator;

/**
 * Walks the live keys of a {@link KeyRange} as of a revision, in key order, straight off a kv-column-family
 * iterator: no in-memory index. Per user key it costs one seek when the newest version is newer than the read
 * revision, and a few {@code next()} calls (or one seek) to step over the key's older versions.
 *
 * <p>The iterator may be a plain DB iterator (an implicit point-in-time snapshot) or a write batch's
 * iterator-with-base, which is how a txn reads its own uncommitted writes.
 */
final class RangeReader {
  /** How many older versions to step over with next() before one seek is cheaper. */
  private static final int NEXT_BEFORE_SEEK = 3;

  /** Receives each live key; the iterator is positioned on its visible version. Return false to stop. */
  @FunctionalInterface
  interface Visitor {
    boolean visit(byte[] kvKey, RocksIterator it);
  }

  private RangeReader() {}

  static void forEachLive(RocksIterator it, KeyRange range, long rev, Visitor visitor) {
    if (range.single) {
      byte[] prefix = KeyCodec.prefix(range.key);
      it.seek(KeyCodec.seekAtOrBelow(prefix, rev));
      if (!it.isValid()) return;
      byte[] k = it.key();
      if (KeyCodec.hasPrefix(k, prefix) && !KeyCodec.isTombstone(k)) visitor.visit(k, it);
      return;
    }
    walk(it, KeyCodec.escaped(range.key), range, rev, visitor);
  }

  /**
   * Like {@link #forEachLive}, but only the keys of {@code range} after the user key whose escaped prefix is
   * {@code prefix} (which the range holds): how a limited range goes on counting past the keys it returned.
   */
  static void forEachLiveAfter(RocksIterator it, byte[] prefix, KeyRange range, long rev, Visitor visitor) {
    if (range.single) return; // a single key has nothing after it
    walk(it, KeyCodec.pastAllVersions(prefix), range, rev, visitor);
  }

  private static void walk(RocksIterator it, byte[] start, KeyRange range, long rev, Visitor visitor) {
    // Compare escaped prefixes instead of decoded keys: escaping preserves order, and it avoids decoding keys
    // that are only counted.
    byte[] endPrefix = range.end == null ? null : KeyCodec.prefix(range.end);
    it.seek(start);
    while (it.isValid()) {
      byte[] k = it.key();
      int plen = KeyCodec.prefixLength(k);
      if (endPrefix != null && Arrays.compareUnsigned(k, 0, plen, endPrefix, 0, endPrefix.length) >= 0) return;
      byte[] prefix = Arrays.copyOf(k, plen);
      if (KeyCodec.revision(k) > rev) {
        it.seek(KeyCodec.seekAtOrBelow(prefix, rev));
        if (!it.isValid()) return;
        k = it.key();
        if (!KeyCodec.hasPrefix(k, prefix)) continue; // no version <= rev: already on the next key
      }
      if (!KeyCodec.isTombstone(k) && !visitor.visit(k, it)) return;
      skipVersions(it, prefix);
    }
  }

  /** Moves the iterator to the first entry of the next user key. */
  private static void skipVersions(RocksIterator it, byte[] prefix) {
    for (int i = 0; i < NEXT_BEFORE_SEEK; i++) {
      it.next();
      if (!it.isValid() || !KeyCodec.hasPrefix(it.key(), prefix)) return;
    }
    it.seek(KeyCodec.pastAllVersions(prefix));
  }
}
