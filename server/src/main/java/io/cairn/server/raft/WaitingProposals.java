package io.cairn.server.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * Proposals that reached the raft thread while no leader was known (an election or a leadership transfer), owned by
 * the raft thread. They are proposed once a leader is known, except those whose caller no longer waits (timed out):
 * a request its client was told failed must not be applied later. The queue is bounded; past the bound a proposal
 * is refused at once with etcd's "too many requests".
 */
final class WaitingProposals {
  /** A proposal: its request id (the caller's wait) and its encoded entry. */
  record Proposal(long id, byte[] data) {}

  private final int capacity;
  private final LongPredicate stillWanted;
  private final ArrayDeque<Proposal> queue = new ArrayDeque<>();

  /** @param stillWanted whether the caller of request {@code id} still waits for it */
  WaitingProposals(int capacity, LongPredicate stillWanted) {
    this.capacity = capacity;
    this.stillWanted = stillWanted;
  }

  /** False when the queue is full: the caller must be refused. */
  boolean offer(Proposal p) {
    if (queue.size() >= capacity) {
      dropAbandoned();
      if (queue.size() >= capacity) {
        return false;
      }
    }
    queue.add(p);
    return true;
  }

  /** Takes every proposal whose caller still waits, oldest first. */
  List<Proposal> drain() {
    List<Proposal> out = new ArrayList<>(queue.size());
    for (Proposal p : queue) {
      if (stillWanted.test(p.id())) {
        out.add(p);
      }
    }
    queue.clear();
    return out;
  }

  /** Forgets proposals whose callers gave up (on every tick, so abandoned ones never pile up). */
  void dropAbandoned() {
    queue.removeIf(p -> !stillWanted.test(p.id()));
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  int size() {
    return queue.size();
  }
}
