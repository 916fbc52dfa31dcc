package io.cairn.server.loop;

/**
 * The member's one source of time above Raft (which counts ticks): request deadlines, lease expiry, watch progress
 * notifications, id seeds. Tests inject a clock they move by hand.
 */
public interface Clock {
  /** Monotonic nanoseconds, for intervals and deadlines (compare by difference). */
  long nanoTime();

  /** Wall-clock milliseconds since the epoch, only for seeding ids. */
  long currentTimeMillis();

  Clock SYSTEM = new Clock() {
    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public long currentTimeMillis() {
      return System.currentTimeMillis();
    }
  };
}
