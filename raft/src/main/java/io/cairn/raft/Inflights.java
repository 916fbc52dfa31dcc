package io.cairn.raft;

/**
 * Append messages sent to one follower and not yet acknowledged, as a ring buffer of (last
 * index, bytes). Invariants: indexes are strictly increasing from oldest to newest; {@code count
 * <= capacity}; {@code bytes} is the sum of the sizes held.
 */
final class Inflights {
  private final int capacity;
  private final long maxBytes;
  private final long[] index;
  private final long[] size;
  private int start;
  private int count;
  private long bytes;

  Inflights(int capacity, long maxBytes) {
    this.capacity = capacity;
    this.maxBytes = maxBytes;
    this.index = new long[capacity];
    this.size = new long[capacity];
  }

  /** Records a message whose last entry is idx; the caller must check {@link #full()} first. */
  void add(long idx, long sz) {
    if (full()) {
      throw new IllegalStateException("cannot add into a full inflights");
    }
    int next = (start + count) % capacity;
    index[next] = idx;
    size[next] = sz;
    count++;
    bytes += sz;
  }

  /** Frees every message whose last index is <= to (they are acknowledged). */
  void freeLE(long to) {
    while (count > 0 && index[start] <= to) {
      bytes -= size[start];
      start = (start + 1) % capacity;
      count--;
    }
    if (count == 0) {
      start = 0;
    }
  }

  void freeFirstOne() {
    if (count > 0) {
      freeLE(index[start]);
    }
  }

  boolean full() {
    return count == capacity || (maxBytes != 0 && bytes >= maxBytes);
  }

  int count() {
    return count;
  }

  long bytes() {
    return bytes;
  }

  void reset() {
    start = 0;
    count = 0;
    bytes = 0;
  }
}
