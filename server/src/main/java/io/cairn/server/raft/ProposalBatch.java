package io.cairn.server.raft;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.util.ArrayList;
import java.util.List;

/**
 * The proposals taken from one drain of the raft inbox, stepped together as one MsgProp. The leader then appends them
 * with one append and replicates them with one MsgApp per follower, and a follower forwards them to the leader as one
 * message; stepped one at a time, each proposal cost a MsgApp to every follower and an ack back. A batch is bounded
 * by count and bytes (etcd bounds a MsgApp at 1 MiB), so the owner steps it once {@link #full()} says so.
 *
 * <p>Owned by the raft thread.
 */
final class ProposalBatch {
  static final int MAX_PROPOSALS = 1000;
  static final long MAX_BYTES = 1 << 20;

  /** A proposal taken for the batch; {@code leaderOnly} ones are stepped only while this member still leads. */
  record Taken(WaitingProposals.Proposal proposal, boolean leaderOnly) {}

  private final List<Taken> taken = new ArrayList<>();
  private long bytes;

  void add(WaitingProposals.Proposal p, boolean leaderOnly) {
    taken.add(new Taken(p, leaderOnly));
    bytes += p.data().length;
  }

  boolean full() {
    return taken.size() >= MAX_PROPOSALS || bytes >= MAX_BYTES;
  }

  boolean isEmpty() {
    return taken.isEmpty();
  }

  /** Empties the batch: what was taken, in the order it came. */
  List<Taken> takeAll() {
    List<Taken> out = new ArrayList<>(taken);
    taken.clear();
    bytes = 0;
    return out;
  }

  /**
   * The entries' data. A proposal's array is made for it by {@code RaftMember.propose} and never written again, so
   * the entry wraps it instead of copying it.
   */
  static List<ByteString> data(List<Taken> batch) {
    List<ByteString> out = new ArrayList<>(batch.size());
    for (Taken t : batch) {
      out.add(UnsafeByteOperations.unsafeWrap(t.proposal().data()));
    }
    return out;
  }
}
