package io.cairn.server.lease;

import java.time.Duration;
import java.util.function.LongSupplier;

/** A nanosecond clock the test moves by hand; starts near the wrap-around point to prove differences are used. */
final class ManualClock implements LongSupplier {
  private long now = Long.MAX_VALUE - Duration.ofMinutes(1).toNanos();

  @Override
  public synchronized long getAsLong() {
    return now;
  }

  synchronized void advance(Duration d) {
    now += d.toNanos();
  }

  void advanceMillis(long ms) {
    advance(Duration.ofMillis(ms));
  }
}
