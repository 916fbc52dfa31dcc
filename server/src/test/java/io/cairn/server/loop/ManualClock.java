package io.cairn.server.loop;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The member's clock, moved by hand in tests. Nanoseconds start near the wrap-around point to prove that deadlines
 * are compared by difference.
 */
public final class ManualClock implements Clock, LongSupplier {
  private long now = Long.MAX_VALUE - Duration.ofMinutes(1).toNanos();
  private long millis = 1_780_000_000_000L;

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized long currentTimeMillis() {
    return millis;
  }

  @Override
  public long getAsLong() {
    return nanoTime();
  }

  public synchronized void advance(Duration d) {
    now += d.toNanos();
    millis += d.toMillis();
  }

  public void advanceMillis(long ms) {
    advance(Duration.ofMillis(ms));
  }
}
