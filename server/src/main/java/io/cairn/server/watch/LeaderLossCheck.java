package io.cairn.server.watch;

import java.util.function.BooleanSupplier;

/**
 * etcd's monitorLeader, for the watch thread: once every election timeout it looks for a leader, and after
 * {@value #MAX_NO_LEADER_CHECKS} looks in a row without one, the streams opened with {@code hasleader: true} must
 * end with Unavailable "etcdserver: no leader", so their clients (Kubernetes' apiserver) move to a member that still
 * has a quorum instead of waiting on one cut off from it. etcd waits that long because reconnecting streams costs
 * more than refusing new calls, which the interceptor does at once.
 */
final class LeaderLossCheck {
  static final int MAX_NO_LEADER_CHECKS = 3;

  private final BooleanSupplier hasLeader;
  private final long intervalNanos;
  private long nextCheck;
  private int withoutLeader;

  LeaderLossCheck(BooleanSupplier hasLeader, long intervalNanos, long now) {
    this.hasLeader = hasLeader;
    this.intervalNanos = intervalNanos;
    this.nextCheck = now + intervalNanos;
  }

  /** Called on every turn; true when streams requiring a leader must end now (again each check until one is back). */
  boolean due(long now) {
    if (now - nextCheck < 0) {
      return false;
    }
    nextCheck = now + intervalNanos;
    withoutLeader = hasLeader.getAsBoolean() ? 0 : withoutLeader + 1;
    return withoutLeader >= MAX_NO_LEADER_CHECKS;
  }

  /** When {@link #due} next looks. */
  long nextCheck() {
    return nextCheck;
  }
}
