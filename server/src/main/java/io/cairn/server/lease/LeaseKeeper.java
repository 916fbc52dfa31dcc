package io.cairn.server.lease;

import io.cairn.proto.etcdserverpb.LeaseCheckpoint;
import io.cairn.proto.etcdserverpb.LeaseCheckpointRequest;
import io.cairn.proto.etcdserverpb.LeaseRevokeRequest;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.server.api.MemberState;
import io.cairn.server.apply.Proposer;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives the {@link Lessor} on the leader, as etcd's lessor run loop and the server's lease hooks do:
 * <ul>
 *   <li>leadership: when this member becomes leader it waits until it has applied everything committed before its
 *       term (a read barrier, the equivalent of etcd promoting on the leader's first applied entry), then promotes
 *       the lessor; when it stops being leader, or the term changes, it demotes it;
 *   <li>every check interval (500 ms): proposes the revocation of expired leases through raft, at most
 *       {@code revokesPerSecond / 2} per check (1000/s), and the due checkpoints in one batch.
 * </ul>
 * All its work runs on one executor (the lessor's scheduler thread); {@link #leaderChanged} only posts to it, so it
 * can be called from the raft thread.
 */
public final class LeaseKeeper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);
  private static final int MAX_CHECKPOINTS_PER_PROPOSAL = 1000;

  private final Lessor lessor;
  private final Proposer proposer;
  private final MemberState member;
  private final Executor executor;
  private ScheduledFuture<?> ticks;
  // owned by the executor's thread
  private boolean promoting;
  private long epoch;
  private long primaryTerm = -1;

  public LeaseKeeper(Lessor lessor, Proposer proposer, MemberState member, Executor executor) {
    this.lessor = lessor;
    this.proposer = proposer;
    this.member = member;
    this.executor = executor;
  }

  /** Checks every {@code checkInterval} on {@code scheduler} (whose thread must be the executor's). */
  public void start(ScheduledExecutorService scheduler) {
    long ms = lessor.settings().checkInterval().toMillis();
    ticks = scheduler.scheduleWithFixedDelay(this::tickSafely, 0, ms, TimeUnit.MILLISECONDS);
  }

  /** The raft leader changed (any thread). */
  public void leaderChanged() {
    try {
      executor.execute(this::checkLeadership);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      // the member is stopping (a leader hands off leadership after the lessor stopped): nothing to do
    }
  }

  private void tickSafely() {
    try {
      tick();
    } catch (RuntimeException e) {
      LOG.error("lease check failed; retrying at the next one", e);
    }
  }

  /** One check: leadership, then (as primary) expired leases and due checkpoints. Runs on the executor. */
  void tick() {
    checkLeadership();
    if (!lessor.isPrimary()) {
      return;
    }
    for (long id : lessor.expired(lessor.settings().revokesPerCheck())) {
      revoke(id);
    }
    List<LeaseCheckpoint> due = lessor.dueCheckpoints(MAX_CHECKPOINTS_PER_PROPOSAL);
    if (!due.isEmpty()) {
      checkpoint(LeaseCheckpointRequest.newBuilder().addAllCheckpoints(due).build());
    }
  }

  private boolean isLeader() {
    return member.leaderId() != 0 && member.leaderId() == member.memberId();
  }

  void checkLeadership() {
    boolean leader = isLeader();
    long term = member.raftTerm();
    if (lessor.isPrimary() && (!leader || term != primaryTerm)) {
      LOG.info("lessor demoted (leader {}, term {})", Long.toHexString(member.leaderId()), term);
      lessor.demote();
      primaryTerm = -1;
    }
    if (!leader) {
      if (promoting) {
        epoch++; // a pending promotion belongs to a leadership that is gone
        promoting = false;
      }
      return;
    }
    if (lessor.isPrimary() || promoting) {
      return;
    }
    promoting = true;
    long mine = ++epoch;
    proposer.readBarrier().whenComplete((ok, err) -> executor.execute(() -> {
      if (mine != epoch) {
        return;
      }
      promoting = false;
      if (err != null) {
        LOG.debug("lessor promotion waits for the next check: {}", err.toString());
        return;
      }
      if (isLeader() && member.raftTerm() == term) {
        lessor.promote();
        primaryTerm = term;
        LOG.info("lessor promoted in term {}: {} leases, expiries extended by {} ms", term, lessor.size(),
            lessor.settings().promoteExtend().toMillis());
      }
    }));
  }

  /** Proposes a revocation; failures are left to the lessor's retry (an expired lease is offered again later). */
  void revoke(long id) {
    proposer.proposeAsLeader(InternalRequest.newBuilder().setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(id)).build())
        .whenComplete((r, err) -> {
          if (err != null) {
            LOG.debug("revoking expired lease {} failed: {}", Long.toHexString(id), err.toString());
          }
        });
  }

  /** Proposes checkpoints (also the lessor's way to clear a remaining TTL on renewal). */
  public void checkpoint(LeaseCheckpointRequest req) {
    proposer.proposeAsLeader(InternalRequest.newBuilder().setLeaseCheckpoint(req).build()).whenComplete((r, err) -> {
      if (err != null) {
        LOG.debug("lease checkpoint failed: {}", err.toString());
      }
    });
  }

  @Override
  public void close() {
    if (ticks != null) {
      ticks.cancel(false);
    }
  }
}
