package io.cairn.raft;

/**
 * The leader's view of one follower. Invariant: {@code match < next}; entries up to match are
 * known to be stored on the follower; next is the next index to send.
 */
final class Progress {
  long match;
  long next;
  ProgressState state = ProgressState.PROBE;
  /** Index of the snapshot being sent in SNAPSHOT state, else 0. */
  long pendingSnapshot;
  /** Heard from since the last check-quorum round (reset by the leader each round). */
  boolean recentActive;
  /** In PROBE: a probe is outstanding; wait for its answer or the next heartbeat response. */
  boolean msgAppFlowPaused;
  final Inflights inflights;
  boolean isLearner;

  Progress(long match, long next, Inflights inflights, boolean isLearner) {
    this.match = match;
    this.next = next;
    this.inflights = inflights;
    this.isLearner = isLearner;
  }

  /** A copy sharing the in-flight window (used when building a new configuration). */
  Progress copy() {
    Progress p = new Progress(match, next, inflights, isLearner);
    p.state = state;
    p.pendingSnapshot = pendingSnapshot;
    p.recentActive = recentActive;
    p.msgAppFlowPaused = msgAppFlowPaused;
    return p;
  }

  private void resetState(ProgressState s) {
    msgAppFlowPaused = false;
    pendingSnapshot = 0;
    state = s;
    inflights.reset();
  }

  void becomeProbe() {
    // After a snapshot the follower has at least the snapshot: probe right after it.
    if (state == ProgressState.SNAPSHOT) {
      long pending = pendingSnapshot;
      resetState(ProgressState.PROBE);
      next = Math.max(match + 1, pending + 1);
    } else {
      resetState(ProgressState.PROBE);
      next = match + 1;
    }
  }

  void becomeReplicate() {
    resetState(ProgressState.REPLICATE);
    next = match + 1;
  }

  void becomeSnapshot(long snapshotIndex) {
    resetState(ProgressState.SNAPSHOT);
    pendingSnapshot = snapshotIndex;
  }

  /** Bookkeeping after sending an append with n entries of the given size. */
  void sentEntries(int n, long bytes) {
    switch (state) {
      case REPLICATE -> {
        if (n > 0) {
          next += n;
          inflights.add(next - 1, bytes);
        }
      }
      // One probe at a time: wait for its answer (or the next heartbeat response).
      case PROBE -> msgAppFlowPaused = true;
      case SNAPSHOT -> { }
    }
  }

  /** The follower acknowledged n: raise match (never lower it). */
  boolean maybeUpdate(long n) {
    if (n <= match) {
      return false;
    }
    match = n;
    next = Math.max(next, n + 1);
    msgAppFlowPaused = false;
    return true;
  }

  /**
   * The follower rejected an append at index rejected; matchHint is the highest index it may
   * match. Returns false if the rejection is stale.
   */
  boolean maybeDecrTo(long rejected, long matchHint) {
    if (state == ProgressState.REPLICATE) {
      if (rejected <= match) {
        return false;
      }
      next = match + 1;
      return true;
    }
    if (next - 1 != rejected) {
      return false;
    }
    next = Math.max(Math.min(rejected, matchHint + 1), match + 1);
    msgAppFlowPaused = false;
    return true;
  }

  boolean isPaused() {
    return switch (state) {
      case PROBE -> msgAppFlowPaused;
      // The window is the only brake while replicating.
      case REPLICATE -> inflights.full();
      case SNAPSHOT -> true;
    };
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    b.append(state).append(" match=").append(match).append(" next=").append(next);
    if (isLearner) {
      b.append(" learner");
    }
    if (msgAppFlowPaused) {
      b.append(" paused");
    }
    if (pendingSnapshot > 0) {
      b.append(" pendingSnap=").append(pendingSnapshot);
    }
    if (!recentActive) {
      b.append(" inactive");
    }
    if (inflights.count() > 0) {
      b.append(" inflight=").append(inflights.count());
    }
    return b.toString();
  }
}
