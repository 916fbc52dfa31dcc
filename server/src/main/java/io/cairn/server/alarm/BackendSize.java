package io.cairn.server.alarm;

import java.util.function.LongSupplier;

/**
 * The store's size, measured at most once per {@code maxAgeNanos}: measuring reads two RocksDB properties of every
 * column family under the store's guard, more than every write the quota checks should pay. A write may thus pass
 * on a size that is {@code maxAgeNanos} old.
 */
public final class BackendSize implements LongSupplier {
  private final LongSupplier measure;
  private final LongSupplier nanoClock;
  private final long maxAgeNanos;
  private long sampledAt;
  private long value = -1;

  public BackendSize(LongSupplier measure, LongSupplier nanoClock, long maxAgeNanos) {
    this.measure = measure;
    this.nanoClock = nanoClock;
    this.maxAgeNanos = maxAgeNanos;
  }

  @Override
  public synchronized long getAsLong() {
    long now = nanoClock.getAsLong();
    if (value < 0 || now - sampledAt >= maxAgeNanos) {
      value = measure.getAsLong();
      sampledAt = now;
    }
    return value;
  }
}
