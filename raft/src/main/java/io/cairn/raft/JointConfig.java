package io.cairn.raft;

import java.util.Map;
import java.util.TreeSet;

/**
 * Two majority configs that must both agree (joint consensus, C_old,new). When not joint,
 * {@code outgoing} is empty and everything reduces to {@code incoming}.
 */
final class JointConfig {
  final MajorityConfig incoming;
  final MajorityConfig outgoing;

  JointConfig() {
    this(new MajorityConfig(), new MajorityConfig());
  }

  JointConfig(MajorityConfig incoming, MajorityConfig outgoing) {
    this.incoming = incoming;
    this.outgoing = outgoing;
  }

  JointConfig copy() {
    return new JointConfig(incoming.copy(), outgoing.copy());
  }

  boolean isJoint() {
    return outgoing.size() > 0;
  }

  /** All voters of both halves, sorted. */
  TreeSet<Long> ids() {
    TreeSet<Long> all = new TreeSet<>(incoming.ids);
    all.addAll(outgoing.ids);
    return all;
  }

  boolean contains(long id) {
    return incoming.ids.contains(id) || outgoing.ids.contains(id);
  }

  /** The largest index committed in both halves. */
  long committedIndex(AckedIndexer acked) {
    return Math.min(incoming.committedIndex(acked), outgoing.committedIndex(acked));
  }

  /** WON only if both halves win; LOST if either loses. */
  VoteResult voteResult(Map<Long, Boolean> votes) {
    VoteResult r1 = incoming.voteResult(votes);
    VoteResult r2 = outgoing.voteResult(votes);
    if (r1 == r2) {
      return r1;
    }
    if (r1 == VoteResult.LOST || r2 == VoteResult.LOST) {
      return VoteResult.LOST;
    }
    return VoteResult.PENDING;
  }

  @Override
  public String toString() {
    return isJoint() ? incoming + "&&" + outgoing : incoming.toString();
  }
}
