package io.cairn.server.compaction;

import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.server.api.EtcdErrors;
import io.cairn.server.apply.Proposer;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --auto-compaction-mode} / {@code --auto-compaction-retention}: a compactor on its own thread, waking on
 * etcd's schedule, whose compactions the leader proposes through Raft like a client's Compact.
 */
public final class AutoCompaction implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AutoCompaction.class);

  private final ScheduledExecutorService thread;

  private AutoCompaction(ScheduledExecutorService thread) {
    this.thread = thread;
  }

  /**
   * Starts the compactor, or returns null when {@code retention} is 0 (etcd: disabled).
   *
   * @param retention periodic mode: the period in nanoseconds; revision mode: revisions to keep
   */
  public static AutoCompaction start(String mode, long retention, LongSupplier revision, Proposer proposer,
      BooleanSupplier leading, LongSupplier nanoClock, Duration timeout) {
    if (retention == 0) {
      return null;
    }
    ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cairn-auto-compactor");
      t.setDaemon(true);
      return t;
    });
    Compactable target = rev -> propose(proposer, rev, timeout);
    Runnable step;
    long every;
    if (mode.equals("revision")) {
      RevisionCompactor c = new RevisionCompactor(retention, revision, target, leading);
      step = c::step;
      every = RevisionCompactor.STEP_NANOS;
    } else {
      PeriodicCompactor c = new PeriodicCompactor(retention, revision, target, leading, nanoClock);
      step = c::step;
      every = c.stepNanos();
    }
    LOG.info("enabled auto compaction (mode {}, retention {})", mode,
        mode.equals("revision") ? retention : Duration.ofNanos(retention));
    thread.scheduleWithFixedDelay(() -> {
      try {
        step.run();
      } catch (RuntimeException e) {
        LOG.warn("auto compaction step failed: {}", e.toString());
      }
    }, every, every, TimeUnit.NANOSECONDS);
    return new AutoCompaction(thread);
  }

  /** Proposes a compaction at {@code rev} while leading; "already compacted" counts as done, as in etcd. */
  static boolean propose(Proposer proposer, long rev, Duration timeout) {
    InternalRequest req = InternalRequest.newBuilder()
        .setCompaction(CompactionRequest.newBuilder().setRevision(rev)).build();
    try {
      proposer.proposeAsLeader(req).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (ExecutionException e) {
      io.grpc.StatusRuntimeException s = EtcdErrors.toStatus(e);
      if (EtcdErrors.COMPACTED.equals(s.getStatus().getDescription())) {
        return true;
      }
      LOG.warn("auto compaction at revision {} failed: {}", rev, s.getStatus().getDescription());
      return false;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
