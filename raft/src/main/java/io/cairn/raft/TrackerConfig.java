package io.cairn.raft;

import io.cairn.proto.raftpb.ConfState;
import java.util.TreeSet;

/**
 * The membership configuration. Invariants: voters and learners are disjoint; learnersNext is a
 * subset of the outgoing voters (voters being demoted, who become learners on leaving the joint
 * config); learnersNext is empty and autoLeave false when not joint.
 */
final class TrackerConfig {
  final JointConfig voters;
  final TreeSet<Long> learners;
  final TreeSet<Long> learnersNext;
  boolean autoLeave;

  TrackerConfig() {
    this(new JointConfig(), new TreeSet<>(), new TreeSet<>(), false);
  }

  private TrackerConfig(JointConfig v, TreeSet<Long> l, TreeSet<Long> ln, boolean autoLeave) {
    this.voters = v;
    this.learners = l;
    this.learnersNext = ln;
    this.autoLeave = autoLeave;
  }

  TrackerConfig copy() {
    return new TrackerConfig(voters.copy(), new TreeSet<>(learners), new TreeSet<>(learnersNext),
        autoLeave);
  }

  ConfState toConfState() {
    return ConfState.newBuilder()
        .addAllVoters(voters.incoming.ids)
        .addAllVotersOutgoing(voters.outgoing.ids)
        .addAllLearners(learners)
        .addAllLearnersNext(learnersNext)
        .setAutoLeave(autoLeave)
        .build();
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("voters=").append(voters);
    if (!learners.isEmpty()) {
      b.append(" learners=").append(learners.toString().replace(" ", ""));
    }
    if (!learnersNext.isEmpty()) {
      b.append(" learners_next=").append(learnersNext.toString().replace(" ", ""));
    }
    if (autoLeave) {
      b.append(" autoleave");
    }
    return b.toString();
  }
}
