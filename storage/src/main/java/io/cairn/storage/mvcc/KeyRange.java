package io.cairn.storage.mvcc;

import com.google.protobuf.ByteString;
import java.util.Comparator;

/**
 * etcd's key-range convention: empty range_end = the single key; range_end "\0" = every key >= key (so key "\0"
 * with range_end "\0" is every key); otherwise the half-open byte-wise interval [key, range_end), which is empty when
 * range_end <= key.
 */
final class KeyRange {
  static final Comparator<ByteString> BYTES = ByteString.unsignedLexicographicalComparator();

  final ByteString key;
  /** Exclusive end; null = no upper bound. Meaningless when {@link #single}. */
  final ByteString end;
  final boolean single;

  private KeyRange(ByteString key, ByteString end, boolean single) {
    this.key = key;
    this.end = end;
    this.single = single;
  }

  static KeyRange of(ByteString key, ByteString rangeEnd) {
    if (rangeEnd.isEmpty()) return new KeyRange(key, null, true);
    if (rangeEnd.size() == 1 && rangeEnd.byteAt(0) == 0) return new KeyRange(key, null, false);
    return new KeyRange(key, rangeEnd, false);
  }

  boolean contains(ByteString k) {
    if (single) return k.equals(key);
    return BYTES.compare(key, k) <= 0 && (end == null || BYTES.compare(k, end) < 0);
  }
}
