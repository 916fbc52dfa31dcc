package io.cairn.server.watch;

import com.google.protobuf.ByteString;
import java.util.Comparator;

/**
 * The keys one watcher covers, with etcd's watch conventions: an empty key means "\0"; an empty
 * range_end is the single key; range_end "\0" is every key >= key; otherwise [key, range_end).
 */
record WatchRange(ByteString key, ByteString end, boolean single) {
  private static final Comparator<ByteString> BYTES = ByteString.unsignedLexicographicalComparator();
  private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

  /** Null when the range is empty (range_end <= key), which etcd refuses at create. */
  static WatchRange of(ByteString key, ByteString rangeEnd) {
    ByteString k = key.isEmpty() ? ZERO : key;
    if (rangeEnd.isEmpty()) {
      return new WatchRange(k, null, true);
    }
    if (rangeEnd.equals(ZERO)) {
      return new WatchRange(k, null, false);
    }
    if (BYTES.compare(k, rangeEnd) >= 0) {
      return null;
    }
    return new WatchRange(k, rangeEnd, false);
  }

  boolean contains(ByteString k) {
    if (single) {
      return k.equals(key);
    }
    return BYTES.compare(key, k) <= 0 && (end == null || BYTES.compare(k, end) < 0);
  }
}
