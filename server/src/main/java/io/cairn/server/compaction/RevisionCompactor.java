package io.cairn.server.compaction;

import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's revision auto-compaction (v3compactor/revision.go): every five minutes the leader compacts to the current
 * revision minus the retention, unless that is not positive or was the last one done. {@link #step} is one
 * wake-up; the caller calls it every {@link #STEP_NANOS}.
 */
final class RevisionCompactor {
  private static final Logger LOG = LoggerFactory.getLogger(RevisionCompactor.class);
  static final long STEP_NANOS = 5L * 60 * 1_000_000_000L;

  private final long retention;
  private final LongSupplier revision;
  private final Compactable target;
  private final BooleanSupplier leading;
  private long previous;

  RevisionCompactor(long retention, LongSupplier revision, Compactable target, BooleanSupplier leading) {
    this.retention = retention;
    this.revision = revision;
    this.target = target;
    this.leading = leading;
  }

  void step() {
    if (!leading.getAsBoolean()) {
      return;
    }
    long rev = revision.getAsLong() - retention;
    if (rev <= 0 || rev == previous) {
      return;
    }
    LOG.atInfo().addKeyValue("revision", rev).addKeyValue("revision-compaction-retention", retention)
        .log("starting auto revision compaction");
    long started = System.nanoTime();
    if (target.compact(rev)) {
      previous = rev;
      LOG.atInfo().addKeyValue("revision", rev).addKeyValue("revision-compaction-retention", retention)
          .addKeyValue("took", java.time.Duration.ofNanos(System.nanoTime() - started))
          .log("completed auto revision compaction");
    } else {
      LOG.atWarn().addKeyValue("revision", rev).addKeyValue("revision-compaction-retention", retention)
          .addKeyValue("retry-interval", "5m0s").log("failed auto revision compaction");
    }
  }
}
