package io.cairn.server.compaction;

import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's periodic auto-compaction (v3compactor/periodic.go, 3.6 behaviour): the revision is recorded every tenth of
 * the period (at most an hour), the first compaction comes once a whole period has passed, at the revision recorded
 * a period earlier, and later ones every period (at most an hour), skipped when that revision was already
 * compacted. {@link #step} is one wake-up; the caller calls it every {@link #stepNanos()}, so a fake clock and
 * direct calls test the schedule.
 */
final class PeriodicCompactor {
  private static final Logger LOG = LoggerFactory.getLogger(PeriodicCompactor.class);
  private static final long HOUR_NANOS = 3_600_000_000_000L;
  private static final int RETRY_DIVISOR = 10;

  private final long periodNanos;
  private final LongSupplier revision;
  private final Compactable target;
  private final BooleanSupplier leading;
  private final LongSupplier nanoClock;
  private final ArrayDeque<Long> revs = new ArrayDeque<>();
  private final int retentions;
  private long lastSuccess;
  private long lastRevision;
  private long baseInterval;

  /** {@code leading}: only the leader compacts (etcd pauses the compactor on followers, which keep recording). */
  PeriodicCompactor(long periodNanos, LongSupplier revision, Compactable target, BooleanSupplier leading,
      LongSupplier nanoClock) {
    this.periodNanos = periodNanos;
    this.revision = revision;
    this.target = target;
    this.leading = leading;
    this.nanoClock = nanoClock;
    this.retentions = (int) (periodNanos / stepNanos()) + 1;
    this.lastSuccess = nanoClock.getAsLong();
    this.baseInterval = periodNanos;
    record();
  }

  /** etcd's retry interval: a tenth of the period, the period counted at most an hour. */
  long stepNanos() {
    return Math.min(periodNanos, HOUR_NANOS) / RETRY_DIVISOR;
  }

  /** One wake-up, {@link #stepNanos()} after the previous one. */
  void step() {
    try {
      if (!leading.getAsBoolean()) {
        return;
      }
      long rev = revs.peekFirst();
      long now = nanoClock.getAsLong();
      if (now - lastSuccess < baseInterval || rev == lastRevision) {
        return;
      }
      // after the first full period, compact every period (at most an hour)
      baseInterval = Math.min(periodNanos, HOUR_NANOS);
      java.time.Duration period = java.time.Duration.ofNanos(periodNanos);
      LOG.atInfo().addKeyValue("revision", rev).addKeyValue("compact-period", period)
          .log("starting auto periodic compaction");
      long started = System.nanoTime();
      if (target.compact(rev)) {
        LOG.atInfo().addKeyValue("revision", rev).addKeyValue("compact-period", period)
            .addKeyValue("took", java.time.Duration.ofNanos(System.nanoTime() - started))
            .log("completed auto periodic compaction");
        lastRevision = rev;
        lastSuccess = nanoClock.getAsLong();
      } else {
        LOG.atWarn().addKeyValue("revision", rev).addKeyValue("compact-period", period)
            .addKeyValue("retry-interval", java.time.Duration.ofNanos(stepNanos()))
            .log("failed auto periodic compaction");
      }
    } finally {
      record();
    }
  }

  private void record() {
    revs.addLast(revision.getAsLong());
    if (revs.size() > retentions) {
      revs.removeFirst(); // the first is always the revision one period ago
    }
  }
}
