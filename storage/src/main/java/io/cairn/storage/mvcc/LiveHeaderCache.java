package io.cairn.storage.mvcc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The kv_live rows of keys that writes recently found already stored, as the store last committed them: a write learns a key's create
 * revision, version, lease and mod revision from here without a RocksDB point lookup, which cost about a third of the
 * apply thread's time (docs/benchmarks.md). etcd answers the same question from its in-memory index of every key
 * ({@code treeIndex}); this keeps a bounded part of it, the least recently used rows leaving first.
 *
 * <p>Rows enter only when a write read a key's row from the database ({@link #read}), so a load of new keys, which
 * finds none, leaves the cache empty and costs no heap; a committed write updates or drops a row held ({@link
 * #committed}). Invariant: a row held here equals kv_live's committed row for that key; a key not held says nothing.
 * Only the store's writer uses it, under the write lock; not thread-safe.
 */
final class LiveHeaderCache {
  private final int capacity;
  private final LinkedHashMap<ByteString, byte[]> rows;

  /** @param capacity rows kept at most; 0 keeps none */
  LiveHeaderCache(int capacity) {
    if (capacity < 0) throw new IllegalArgumentException("capacity must be >= 0");
    this.capacity = capacity;
    this.rows = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<ByteString, byte[]> eldest) {
        return size() > LiveHeaderCache.this.capacity;
      }
    };
  }

  /** The committed kv_live row of {@code key}, or null when not held (the key may still be live). */
  byte[] get(ByteString key) {
    return capacity == 0 ? null : rows.get(key);
  }

  /**
   * Keeps {@code row}, kv_live's committed row of a key, as read from the database with nothing staged for the key.
   * {@code keyBytes} is a copy of the key that nothing else changes; the cache keeps it, never the caller's
   * ByteString, which may be a view into a whole raft entry.
   */
  void read(byte[] keyBytes, byte[] row) {
    if (capacity == 0) return;
    rows.put(UnsafeByteOperations.unsafeWrap(keyBytes), row);
  }

  /** A committed write's kv_live row of {@code key} ({@code row} null: no longer live), if the key's row is held. */
  void committed(ByteString key, byte[] row) {
    if (capacity == 0) return;
    if (row == null) {
      rows.remove(key);
    } else {
      rows.replace(key, row);
    }
  }

  /** Forgets every row: after anything changed kv_live other than through {@link #committed}. */
  void clear() {
    rows.clear();
  }

  int size() {
    return rows.size();
  }
}
