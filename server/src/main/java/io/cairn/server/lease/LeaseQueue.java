package io.cairn.server.lease;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A min-heap of (lease id, deadline) with at most one entry per lease, like etcd's {@code LeaseExpiredNotifier}:
 * renewing a lease moves its entry instead of adding another, so the heap never holds more entries than leases.
 * Deadlines are {@link System#nanoTime()}-style instants compared by difference. Not thread-safe: the
 * {@link Lessor} guards it.
 */
final class LeaseQueue {
  private long[] ids = new long[16];
  private long[] deadlines = new long[16];
  private int size;
  private final Map<Long, Integer> slot = new HashMap<>();

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  boolean contains(long id) {
    return slot.containsKey(id);
  }

  /** Inserts the lease or moves its existing entry to {@code deadline}. */
  void put(long id, long deadline) {
    Integer at = slot.get(id);
    if (at != null) {
      long old = deadlines[at];
      deadlines[at] = deadline;
      if (deadline - old < 0) {
        up(at);
      } else {
        down(at);
      }
      return;
    }
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, size * 2);
      deadlines = Arrays.copyOf(deadlines, size * 2);
    }
    ids[size] = id;
    deadlines[size] = deadline;
    slot.put(id, size);
    up(size++);
  }

  void remove(long id) {
    Integer at = slot.remove(id);
    if (at == null) {
      return;
    }
    int last = --size;
    if (at != last) {
      move(last, at);
      down(at);
      up(at);
    }
  }

  /** The lease with the earliest deadline; only valid when not empty. */
  long peekId() {
    return ids[0];
  }

  long peekDeadline() {
    return deadlines[0];
  }

  void clear() {
    size = 0;
    slot.clear();
  }

  private boolean less(int a, int b) {
    return deadlines[a] - deadlines[b] < 0;
  }

  private void up(int i) {
    while (i > 0) {
      int parent = (i - 1) / 2;
      if (!less(i, parent)) {
        return;
      }
      swap(i, parent);
      i = parent;
    }
  }

  private void down(int i) {
    while (true) {
      int l = 2 * i + 1;
      if (l >= size) {
        return;
      }
      int min = l + 1 < size && less(l + 1, l) ? l + 1 : l;
      if (!less(min, i)) {
        return;
      }
      swap(i, min);
      i = min;
    }
  }

  private void swap(int a, int b) {
    long id = ids[a];
    long d = deadlines[a];
    move(b, a);
    ids[b] = id;
    deadlines[b] = d;
    slot.put(id, b);
  }

  /** Copies entry {@code from} into slot {@code to}. */
  private void move(int from, int to) {
    ids[to] = ids[from];
    deadlines[to] = deadlines[from];
    slot.put(ids[to], to);
  }
}
