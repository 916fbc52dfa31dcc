package io.cairn.server.raft;

import java.util.function.IntConsumer;
import java.util.function.IntSupplier;

/**
 * etcd's {@code --initial-election-tick-advance} for a member of a multi-member cluster: after a start, once more than
 * one peer is connected (etcd's test), the election clock is moved forward once, to two ticks short of the election
 * timeout, so that a cluster restarted together does not sit out a whole election timeout before its first election.
 * Checked every {@link #PERIOD_MS} ms for up to 5 s (etcd's peer connection read timeout); with fewer peers connected
 * by then nothing changes. A lone voter campaigns at once anyway ({@link RaftLoop#applyConfChange}).
 */
final class ElectionTickAdvance {
  static final long PERIOD_MS = 50;
  static final int CHECKS = (int) (5000 / PERIOD_MS);

  private final int ticks;
  private final IntSupplier connectedPeers;
  private final IntConsumer advance;
  private int checks;
  private boolean done;

  /**
   * @param connectedPeers how many peers this member is connected to now
   * @param advance moves the election clock forward by the given number of ticks (unless a leader is known)
   */
  ElectionTickAdvance(int electionTicks, IntSupplier connectedPeers, IntConsumer advance) {
    this.ticks = electionTicks - 2;
    this.connectedPeers = connectedPeers;
    this.advance = advance;
    this.done = ticks <= 0;
  }

  /** One check, every {@link #PERIOD_MS} ms; true once there is nothing more to do. */
  boolean check() {
    if (done) {
      return true;
    }
    if (connectedPeers.getAsInt() > 1) {
      advance.accept(ticks);
      done = true;
    } else if (++checks >= CHECKS) {
      done = true;
    }
    return done;
  }
}
