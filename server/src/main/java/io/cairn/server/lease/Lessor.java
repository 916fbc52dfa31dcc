package io.cairn.server.lease;

import io.cairn.proto.etcdserverpb.LeaseCheckpoint;
import io.cairn.proto.etcdserverpb.LeaseCheckpointRequest;
import io.cairn.storage.mvcc.LeaseListener;
import io.cairn.storage.mvcc.LeaseRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * etcd's lessor ({@code server/lease/lessor.go}) without its persistence, which is the store's: which leases exist
 * (kept in step with what was applied, through the store's {@link LeaseListener}) and, on the leader only, when each
 * one expires. Expiry is leader-local and never persisted or replicated: a member that is not the leader's primary
 * lessor lets no lease expire, and on becoming primary ({@link #promote}) it gives every lease now + its TTL (or its
 * checkpointed remaining TTL) + the election timeout, exactly as etcd does.
 *
 * <p>Time is an injected nanosecond clock, and nothing here has a thread: {@link LeaseKeeper} drives
 * {@link #expired} and {@link #dueCheckpoints} and proposes the results; tests drive them with a manual clock. All
 * methods are synchronized; the apply thread calls the listener methods while holding the store's write lock, and
 * this class never calls into the store, so the lock order is always store, then lessor.
 */
public final class Lessor implements LeaseListener {
  private static final long SECOND = 1_000_000_000L;

  private static final class Lease {
    final long id;
    final long ttl;
    long remainingTtl;
    /** Clock instant at which it expires; meaningful only while primary. */
    long expiry;
    final CompletableFuture<Void> revoked = new CompletableFuture<>();

    Lease(long id, long ttl, long remainingTtl) {
      this.id = id;
      this.ttl = ttl;
      this.remainingTtl = remainingTtl;
    }

    /** etcd getRemainingTTL: the checkpointed remaining TTL if there is one, else the granted TTL. */
    long startTtl() {
      return remainingTtl > 0 ? remainingTtl : ttl;
    }
  }

  /** What LeaseTimeToLive reports: granted TTL and remaining whole seconds (truncated, as etcd). */
  public record TimeToLive(long id, long grantedTtl, long remainingSeconds) {}

  private final LongSupplier clock;
  private final LeaseSettings settings;
  private final Consumer<LeaseCheckpointRequest> checkpointer;
  private final Map<Long, Lease> leases = new HashMap<>();
  private final LeaseQueue expiries = new LeaseQueue();
  private final LeaseQueue checkpoints = new LeaseQueue();
  private boolean primary;
  private CompletableFuture<Void> demoted = new CompletableFuture<>();

  /**
   * @param clock nanoseconds, like {@link System#nanoTime()}
   * @param checkpointer proposes a checkpoint through raft (used to clear a remaining TTL on renewal)
   */
  public Lessor(LongSupplier clock, LeaseSettings settings, Consumer<LeaseCheckpointRequest> checkpointer) {
    this.clock = clock;
    this.settings = settings;
    this.checkpointer = checkpointer;
  }

  public LeaseSettings settings() {
    return settings;
  }

  // ---------------------------------------------------------------------------------- applied changes (apply thread)

  @Override
  public synchronized void granted(LeaseRecord r) {
    Lease l = new Lease(r.id(), r.ttl(), r.remainingTtl());
    leases.put(l.id, l);
    if (primary) {
      long now = clock.getAsLong();
      refresh(l, now, 0);
      scheduleCheckpoint(l, now);
    }
  }

  @Override
  public synchronized void revoked(long id) {
    Lease l = leases.remove(id);
    expiries.remove(id);
    checkpoints.remove(id);
    if (l != null) {
      signalRevoked(l);
    }
  }

  @Override
  public synchronized void checkpointed(long id, long remainingTtl) {
    Lease l = leases.get(id);
    if (l == null) {
      return;
    }
    l.remainingTtl = remainingTtl;
    if (primary) {
      scheduleCheckpoint(l, clock.getAsLong());
    }
  }

  /**
   * Completes a lease's revocation future. Its waiters may answer clients, which must not happen on this (apply)
   * thread under the store's write lock, so they run on one shared events thread; with no waiter there is nothing
   * to hand off. (CompletableFuture.runAsync would start a thread per task on a 2-core machine.)
   */
  private static void signalRevoked(Lease l) {
    if (l.revoked.getNumberOfDependents() == 0) {
      l.revoked.complete(null);
    } else {
      REVOCATIONS.execute(() -> l.revoked.complete(null));
    }
  }

  private static final java.util.concurrent.Executor REVOCATIONS = java.util.concurrent.Executors
      .newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cairn-lease-revocations");
        t.setDaemon(true);
        return t;
      });

  /** The store was replaced by a snapshot: forget everything; its leases follow as grants. */
  @Override
  public synchronized void reset() {
    for (Lease l : leases.values()) {
      signalRevoked(l);
    }
    leases.clear();
    expiries.clear();
    checkpoints.clear();
  }

  // ---------------------------------------------------------------------------------- leadership

  public synchronized boolean isPrimary() {
    return primary;
  }

  /**
   * Becomes the primary lessor: every lease expires at now + its TTL (or checkpointed remaining TTL) + the promote
   * extension; if there are so many leases that their expiries pile up, later ones are spread out so that at most
   * 3/4 of the revocation rate expires in any second (etcd's Promote).
   */
  public synchronized void promote() {
    long now = clock.getAsLong();
    long extend = settings.promoteExtend().toNanos();
    primary = true;
    demoted = new CompletableFuture<>();
    for (Lease l : leases.values()) {
      refresh(l, now, extend);
      scheduleCheckpoint(l, now);
    }
    if (leases.size() >= settings.revokesPerSecond()) {
      spreadPileUp(now, extend);
    }
  }

  private void spreadPileUp(long now, long extend) {
    List<Lease> byExpiry = new ArrayList<>(leases.values());
    byExpiry.sort((a, b) -> Long.compare(a.expiry - now, b.expiry - now));
    long base = byExpiry.get(0).expiry - now;
    long nextWindow = base + SECOND;
    int expires = 0;
    int target = Math.max(1, 3 * settings.revokesPerSecond() / 4);
    for (Lease l : byExpiry) {
      long remaining = l.expiry - now;
      if (remaining > nextWindow) {
        base = remaining;
        nextWindow = base + SECOND;
        expires = 1;
        continue;
      }
      expires++;
      if (expires <= target) {
        continue;
      }
      // leases extended by n seconds beyond the window's base are extended by only the rest of the delay
      long delay = (long) (SECOND * ((double) expires / target)) - (remaining - base);
      nextWindow = base + delay;
      refresh(l, now, delay + extend);
      scheduleCheckpoint(l, now);
    }
  }

  /** No longer primary: nothing expires here; renewals of expired leases waiting for their revocation give up. */
  public synchronized void demote() {
    primary = false;
    expiries.clear();
    checkpoints.clear();
    demoted.complete(null);
  }

  // ---------------------------------------------------------------------------------- client calls

  /**
   * etcd Renew: the lease's expiry becomes now + TTL; returns the granted TTL, or -1 for an unknown lease. A lease
   * that has expired but is not revoked yet answers -1 only once its revocation is applied, so a client told "gone"
   * never sees its keys afterwards.
   *
   * @throws NotPrimaryException (in the future) when this lessor is not, or stops being, the primary
   */
  public synchronized CompletableFuture<Long> renew(long id) {
    if (!primary) {
      return CompletableFuture.failedFuture(new NotPrimaryException());
    }
    Lease l = leases.get(id);
    if (l == null) {
      return CompletableFuture.completedFuture(-1L);
    }
    long now = clock.getAsLong();
    if (l.expiry - now <= 0) {
      CompletableFuture<Long> out = new CompletableFuture<>();
      l.revoked.thenRun(() -> out.complete(-1L));
      demoted.thenRun(() -> out.completeExceptionally(new NotPrimaryException()));
      return out;
    }
    if (settings.checkpointing() && l.remainingTtl > 0) {
      // a renewed lease starts again from its full TTL on a new leader too
      l.remainingTtl = 0;
      checkpointer.accept(LeaseCheckpointRequest.newBuilder()
          .addCheckpoints(LeaseCheckpoint.newBuilder().setID(id).setRemainingTTL(0)).build());
    }
    refresh(l, now, 0);
    return CompletableFuture.completedFuture(l.ttl);
  }

  /**
   * The lease's granted and remaining TTL, or null if unknown. Remaining whole seconds are truncated and can be 0 or
   * negative for an expired lease awaiting revocation (as in etcd). When not primary, the TTL the lease would start
   * from on promotion is reported.
   */
  public synchronized TimeToLive timeToLive(long id) {
    Lease l = leases.get(id);
    if (l == null) {
      return null;
    }
    long remaining = primary ? (l.expiry - clock.getAsLong()) / SECOND : l.startTtl();
    return new TimeToLive(id, l.ttl, remaining);
  }

  public synchronized boolean exists(long id) {
    return leases.containsKey(id);
  }

  /** Exists and, if this is the primary, has not expired (an expired lease may not be revoked yet). */
  public synchronized boolean isAlive(long id) {
    Lease l = leases.get(id);
    return l != null && (!primary || l.expiry - clock.getAsLong() > 0);
  }

  /** Lease ids ordered by expiry (etcd's Leases()), soonest first; by id when not primary. */
  public synchronized List<Long> leaseIds() {
    List<Lease> all = new ArrayList<>(leases.values());
    long now = clock.getAsLong();
    Comparator<Lease> order = primary
        ? Comparator.<Lease>comparingLong(l -> l.expiry - now).thenComparingLong(l -> l.id)
        : Comparator.comparingLong(l -> l.id);
    all.sort(order);
    return all.stream().map(l -> l.id).toList();
  }

  public synchronized int size() {
    return leases.size();
  }

  // ---------------------------------------------------------------------------------- work for the keeper

  /**
   * Up to {@code limit} expired leases to revoke, soonest first (etcd findExpiredLeases). Each one returned is
   * queued again {@code expiredRetry} later, so it is proposed again if its revocation does not land.
   */
  public synchronized List<Long> expired(int limit) {
    List<Long> out = new ArrayList<>();
    if (!primary) {
      return out;
    }
    long now = clock.getAsLong();
    long retry = settings.expiredRetry().toNanos();
    while (!expiries.isEmpty() && out.size() < limit && expiries.peekDeadline() - now <= 0) {
      long id = expiries.peekId();
      Lease l = leases.get(id);
      if (l == null) {
        expiries.remove(id);
        continue;
      }
      expiries.put(id, now + retry);
      if (l.expiry - now <= 0) {
        out.add(id);
      }
    }
    return out;
  }

  /**
   * Up to {@code limit} checkpoints that are due: remaining TTL rounded up, only for live leases that have used part
   * of their TTL (etcd findDueScheduledCheckpoints). The next one is scheduled when the checkpoint is applied.
   */
  public synchronized List<LeaseCheckpoint> dueCheckpoints(int limit) {
    List<LeaseCheckpoint> out = new ArrayList<>();
    if (!primary || !settings.checkpointing()) {
      return out;
    }
    long now = clock.getAsLong();
    while (!checkpoints.isEmpty() && out.size() < limit && checkpoints.peekDeadline() - now <= 0) {
      long id = checkpoints.peekId();
      checkpoints.remove(id);
      Lease l = leases.get(id);
      if (l == null || l.expiry - now <= 0) {
        continue;
      }
      long remaining = (l.expiry - now + SECOND - 1) / SECOND;
      if (remaining >= l.ttl) {
        continue;
      }
      out.add(LeaseCheckpoint.newBuilder().setID(id).setRemainingTTL(remaining).build());
    }
    return out;
  }

  // ---------------------------------------------------------------------------------- internals

  /** etcd Lease.refresh: expiry = now + extend + (remaining or granted) TTL. */
  private void refresh(Lease l, long now, long extendNanos) {
    // 9e9 s (the maximum TTL) is 9e18 ns: the sum stays below 2^63, so deadlines compare by difference
    l.expiry = now + extendNanos + Math.min(l.startTtl(), 9_000_000_000L) * SECOND;
    expiries.put(l.id, l.expiry);
  }

  private void scheduleCheckpoint(Lease l, long now) {
    if (settings.checkpointing() && l.startTtl() > settings.checkpointInterval().toSeconds()) {
      checkpoints.put(l.id, now + settings.checkpointInterval().toNanos());
    }
  }
}
