package io.cairn.raft;

import io.cairn.proto.raftpb.Message;
import io.cairn.proto.raftpb.MessageType;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The simulated network: per-message random drop, duplication and delay (which reorders), plus
 * directed link cuts for symmetric and asymmetric partitions. Messages to or from removed nodes
 * are dropped, as a real transport does once a member is gone.
 */
final class SimNetwork {
  private final Simulation sim;
  private final SplittableRandom rnd;
  double dropRate;
  double dupRate;
  int maxDelay;
  /** Directed links "from-to" that currently lose everything. */
  private final Set<Long> blocked = new HashSet<>();
  long delivered;
  long dropped;

  SimNetwork(Simulation sim, SplittableRandom rnd) {
    this.sim = sim;
    this.rnd = rnd;
  }

  private static long link(long from, long to) {
    return from * 1_000_003L + to;
  }

  void block(long from, long to) {
    blocked.add(link(from, to));
  }

  boolean isBlocked(long from, long to) {
    return blocked.contains(link(from, to));
  }

  void healPartitions() {
    blocked.clear();
  }

  int blockedLinks() {
    return blocked.size();
  }

  void send(Message m) {
    if (sim.isRemoved(m.getFrom()) || sim.isRemoved(m.getTo())
        || isBlocked(m.getFrom(), m.getTo()) || rnd.nextDouble() < dropRate) {
      lost(m);
      return;
    }
    int copies = rnd.nextDouble() < dupRate ? 2 : 1;
    for (int i = 0; i < copies; i++) {
      long delay = 1 + (maxDelay > 1 ? rnd.nextInt(maxDelay) : 0);
      sim.schedule(delay, () -> deliver(m));
    }
  }

  private void lost(Message m) {
    dropped++;
    if (m.getType() == MessageType.MSG_SNAP) {
      sim.schedule(1, () -> sim.reportSnapshot(m.getFrom(), m.getTo(), SnapshotStatus.FAILURE));
    }
  }

  private void deliver(Message m) {
    // Partitions also cut messages already in flight.
    if (sim.isRemoved(m.getTo()) || isBlocked(m.getFrom(), m.getTo())) {
      lost(m);
      return;
    }
    SimNode n = sim.node(m.getTo());
    if (n == null || !n.isUp()) {
      lost(m);
      return;
    }
    delivered++;
    if (Simulation.TRACE) {
      System.out.println(sim.tickNow() + " deliver " + Describe.message(m));
    }
    n.receive(m);
    if (m.getType() == MessageType.MSG_SNAP) {
      sim.schedule(1, () -> sim.reportSnapshot(m.getFrom(), m.getTo(), SnapshotStatus.FINISH));
    }
  }
}
