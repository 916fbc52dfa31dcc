package io.cairn.server.raft;

import io.cairn.server.api.EtcdErrors;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moving leadership: etcd's MoveLeader and the hand-off a leader makes before it stops. Both ask Raft for a transfer
 * and complete when Raft reports the new leader (its leader-change event), or fail after a bound; nothing polls.
 */
final class LeadershipControl {
  private static final Logger LOG = LoggerFactory.getLogger(LeadershipControl.class);

  private record Waiter(LongPredicate done, CompletableFuture<Void> future) {}

  private final long memberId;
  private final RaftLoop raft;
  private final ScheduledExecutorService scheduler;
  private final List<Waiter> waiters = new ArrayList<>();

  LeadershipControl(long memberId, RaftLoop raft, ScheduledExecutorService scheduler) {
    this.memberId = memberId;
    this.raft = raft;
    this.scheduler = scheduler;
  }

  /** From the raft thread: Raft now names {@code leader}. */
  void leaderChanged(long leader) {
    List<Waiter> ready = new ArrayList<>();
    synchronized (waiters) {
      waiters.removeIf(w -> {
        if (w.done().test(leader)) {
          ready.add(w);
          return true;
        }
        return false;
      });
    }
    ready.forEach(w -> w.future().complete(null));
  }

  /** Completes once the leader satisfies {@code done}, or fails with {@code timeoutError} after {@code timeoutMs}. */
  private CompletableFuture<Void> awaitLeader(LongPredicate done, long timeoutMs, String timeoutError) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    Waiter w = new Waiter(done, f);
    synchronized (waiters) {
      waiters.add(w);
    }
    if (done.test(raft.leader)) {
      leaderChanged(raft.leader);
    }
    var timer = scheduler.schedule(() -> {
      synchronized (waiters) {
        waiters.remove(w);
      }
      f.completeExceptionally(EtcdErrors.unavailable(timeoutError));
    }, timeoutMs, TimeUnit.MILLISECONDS);
    f.whenComplete((x, err) -> timer.cancel(false));
    return f;
  }

  /** etcd's MoveLeader once its checks passed: completes when {@code target} leads. */
  CompletableFuture<Void> moveTo(long target, long timeoutMs) {
    CompletableFuture<Void> f = awaitLeader(l -> l == target, timeoutMs, EtcdErrors.LEADER_TRANSFER_TIMEOUT);
    raft.transferLeader(target);
    return f;
  }

  /**
   * Graceful stop: a leader hands leadership to the most up-to-date voter first and waits (bounded) until it is
   * gone, so clients see a leader change of milliseconds rather than an election.
   */
  void handOff(long timeoutMs) {
    if (raft.leader != memberId) {
      return;
    }
    CompletableFuture<Void> gone = awaitLeader(l -> l != memberId, timeoutMs, EtcdErrors.LEADER_TRANSFER_TIMEOUT);
    raft.transferToBestPeer();
    try {
      gone.get(timeoutMs + 1000, TimeUnit.MILLISECONDS);
      LOG.info("leadership handed off before stopping: leader is now {}", Long.toHexString(raft.leader));
    } catch (Exception e) {
      LOG.info("leadership was not handed off before stopping: {}", e.toString());
    }
  }
}
