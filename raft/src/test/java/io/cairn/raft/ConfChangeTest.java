package io.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.raftpb.ConfChange;
import io.cairn.proto.raftpb.ConfChangeSingle;
import io.cairn.proto.raftpb.ConfChangeType;
import io.cairn.proto.raftpb.ConfChangeV2;
import io.cairn.proto.raftpb.ConfState;
import io.cairn.proto.raftpb.Entry;
import org.junit.jupiter.api.Test;

class ConfChangeTest {
  static ConfChange cc(ConfChangeType t, long id) {
    return ConfChange.newBuilder().setType(t).setNodeId(id).build();
  }

  static ConfChangeV2 v2(ConfChangeV2.Transition tr, Object... pairs) {
    ConfChangeV2.Builder b = ConfChangeV2.newBuilder().setTransition(tr);
    for (int i = 0; i < pairs.length; i += 2) {
      b.addChanges(ConfChangeSingle.newBuilder().setType((ConfChangeType) pairs[i])
          .setNodeId((Long) pairs[i + 1]));
    }
    return b.build();
  }

  /**
   * Adds a fresh node with an empty log, bootstrapped like the original members: it learns the
   * current membership by replaying the log (or from a snapshot).
   */
  static void addEmptyNode(TestEnv env, long id) {
    env.addNode(id, env.initialConf, b -> { });
  }

  @Test
  void addVoterThenItCanWinElections() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    addEmptyNode(env, 4);
    env.node(1).rn.proposeConfChange(cc(ConfChangeType.ADD_NODE, 4));
    env.stabilize();
    for (long id = 1; id <= 4; id++) {
      assertThat(env.node(id).confState.getVotersList()).containsExactly(1L, 2L, 3L, 4L);
    }
    env.propose(1, "x");
    env.stabilize();
    assertThat(env.node(4).applied).hasSize(1);
    env.elect(4);
    assertThat(env.leader()).isEqualTo(4);
  }

  @Test
  void removeFollowerShrinksQuorum() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.node(1).rn.proposeConfChange(cc(ConfChangeType.REMOVE_NODE, 3));
    env.stabilize();
    assertThat(env.node(1).confState.getVotersList()).containsExactly(1L, 2L);
    env.isolate(3);
    env.propose(1, "x");
    env.stabilize();
    assertThat(env.node(2).applied).hasSize(1);
  }

  @Test
  void removingTheLeaderWorks() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.node(1).rn.proposeConfChange(cc(ConfChangeType.REMOVE_NODE, 1));
    env.stabilize();
    assertThat(env.node(2).confState.getVotersList()).containsExactly(2L, 3L);
    // The removed leader no longer accepts proposals.
    assertThatThrownBy(() -> env.propose(1, "x")).isInstanceOf(RaftException.class);
    env.isolate(1);
    env.tickElection(2);
    env.stabilize();
    assertThat(env.leader()).isIn(2L, 3L);
    env.propose(env.leader(), "y");
    env.stabilize();
    assertThat(env.node(3).applied.values()).hasSize(1);
  }

  @Test
  void removedLeaderStepsDownWhenConfigured() {
    TestEnv env = TestEnv.cluster(3, b -> b.stepDownOnRemoval(true));
    env.elect(1);
    env.node(1).rn.proposeConfChange(cc(ConfChangeType.REMOVE_NODE, 1));
    env.stabilize();
    assertThat(env.node(1).raft().state).isEqualTo(StateRole.FOLLOWER);
  }

  @Test
  void learnerReplicatesButDoesNotVoteAndIsPromotedLater() {
    TestEnv env = TestEnv.cluster(2, b -> { });
    env.elect(1);
    addEmptyNode(env, 3);
    env.node(1).rn.proposeConfChange(cc(ConfChangeType.ADD_LEARNER_NODE, 3));
    env.stabilize();
    assertThat(env.node(1).confState.getLearnersList()).containsExactly(3L);
    env.propose(1, "x");
    env.stabilize();
    assertThat(env.node(3).applied).hasSize(1);
    // A learner never campaigns.
    env.tick(3, 100);
    env.stabilize();
    assertThat(env.node(3).raft().state).isEqualTo(StateRole.FOLLOWER);
    // Quorum is still over {1,2}: with 2 down, nothing commits even though 3 acks.
    env.isolate(2);
    env.propose(1, "y");
    env.stabilize();
    assertThat(env.node(1).raft().log.committed).isLessThan(env.node(1).raft().log.lastIndex());
    env.heal();
    env.tickHeartbeat(1);
    env.stabilize();
    env.node(1).rn.proposeConfChange(cc(ConfChangeType.ADD_NODE, 3));
    env.stabilize();
    assertThat(env.node(3).confState.getVotersList()).containsExactly(1L, 2L, 3L);
    assertThat(env.node(3).confState.getLearnersList()).isEmpty();
  }

  @Test
  void secondChangeIsRefusedWhileFirstIsUnapplied() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    addEmptyNode(env, 4);
    addEmptyNode(env, 5);
    env.node(1).rn.proposeConfChange(cc(ConfChangeType.ADD_NODE, 4));
    env.node(1).rn.proposeConfChange(cc(ConfChangeType.ADD_NODE, 5));
    Raft r = env.node(1).raft();
    Entry last = r.log.entries(r.log.lastIndex(), Long.MAX_VALUE).get(0);
    assertThat(last.getType()).isEqualTo(Entry.Type.NORMAL); // replaced by an empty entry
    env.stabilize();
    assertThat(env.node(1).confState.getVotersList()).containsExactly(1L, 2L, 3L, 4L);
  }

  @Test
  void jointConsensusReplacesTwoVotersAndAutoLeaves() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    addEmptyNode(env, 4);
    addEmptyNode(env, 5);
    env.node(1).rn.proposeConfChange(v2(ConfChangeV2.Transition.AUTO,
        ConfChangeType.ADD_NODE, 4L, ConfChangeType.ADD_NODE, 5L,
        ConfChangeType.REMOVE_NODE, 2L, ConfChangeType.REMOVE_NODE, 3L));
    env.stabilize();
    ConfState cs = env.node(1).confState;
    assertThat(cs.getVotersList()).containsExactly(1L, 4L, 5L);
    assertThat(cs.getVotersOutgoingList()).isEmpty();
    assertThat(env.node(4).confState).isEqualTo(cs);
    env.isolate(2);
    env.isolate(3);
    env.propose(1, "new-config");
    env.stabilize();
    assertThat(env.node(5).applied.values()).hasSize(1);
  }

  @Test
  void explicitJointConfigNeedsBothMajorities() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    addEmptyNode(env, 4);
    env.node(1).rn.proposeConfChange(v2(ConfChangeV2.Transition.EXPLICIT,
        ConfChangeType.ADD_NODE, 4L, ConfChangeType.REMOVE_NODE, 3L));
    env.stabilize();
    ConfState cs = env.node(1).confState;
    assertThat(cs.getVotersList()).containsExactly(1L, 2L, 4L);
    assertThat(cs.getVotersOutgoingList()).containsExactly(1L, 2L, 3L);
    // Only a change to leave the joint config is accepted now.
    env.node(1).rn.proposeConfChange(cc(ConfChangeType.ADD_NODE, 5));
    env.stabilize();
    assertThat(env.node(1).confState).isEqualTo(cs);
    // Outgoing majority {1,2,3} needs 2 of them; incoming {1,2,4} too. With 2 and 4 down,
    // nothing commits.
    env.isolate(2);
    env.isolate(4);
    long before = env.node(1).raft().log.committed;
    env.propose(1, "x");
    env.stabilize();
    assertThat(env.node(1).raft().log.committed).isEqualTo(before);
    env.heal();
    env.node(1).rn.proposeConfChange(ConfChangeV2.getDefaultInstance());
    env.tickHeartbeat(1);
    env.stabilize();
    assertThat(env.node(1).confState.getVotersList()).containsExactly(1L, 2L, 4L);
    assertThat(env.node(1).confState.getVotersOutgoingList()).isEmpty();
  }

  @Test
  void demotingAVoterInJointConfigUsesLearnersNext() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.node(1).rn.proposeConfChange(v2(ConfChangeV2.Transition.EXPLICIT,
        ConfChangeType.ADD_LEARNER_NODE, 3L));
    env.stabilize();
    assertThat(env.node(1).confState.getLearnersNextList()).containsExactly(3L);
    env.node(1).rn.proposeConfChange(ConfChangeV2.getDefaultInstance());
    env.stabilize();
    assertThat(env.node(1).confState.getLearnersList()).containsExactly(3L);
    assertThat(env.node(1).confState.getVotersList()).containsExactly(1L, 2L);
  }

  @Test
  void simpleChangeOfTwoVotersIsInvalid() {
    ProgressTracker t = new ProgressTracker(10, 0);
    ConfChanger.Result r = ConfChanger.restore(t, TestEnv.voters(1, 2, 3), 5);
    t.config = r.config();
    t.progress = r.progress();
    assertThatThrownBy(() -> new ConfChanger(t, 5).simple(java.util.List.of(
        ConfChanger.single(ConfChangeType.ADD_NODE, 4),
        ConfChanger.single(ConfChangeType.ADD_NODE, 5))))
        .hasMessageContaining("more than one voter");
    assertThatThrownBy(() -> new ConfChanger(t, 5).leaveJoint())
        .hasMessageContaining("non-joint");
  }

  @Test
  void restoreRoundTripsJointConfStates() {
    ConfState cs = ConfState.newBuilder().addVoters(1).addVoters(4).addVotersOutgoing(1)
        .addVotersOutgoing(2).addVotersOutgoing(3).addLearners(5).addLearnersNext(3)
        .setAutoLeave(true).build();
    ProgressTracker t = new ProgressTracker(10, 0);
    ConfChanger.Result r = ConfChanger.restore(t, cs, 5);
    assertThat(r.config().toConfState()).isEqualTo(cs.toBuilder().clearVotersOutgoing()
        .addAllVotersOutgoing(java.util.List.of(1L, 2L, 3L)).build());
  }

  @Test
  void removedLeaderWithLongerLogHelpsMembersLeaveJointConfig() {
    // Voters {1,2}, learner 3; replace 1 by 3 through an explicit joint config. The removed
    // leader steps down at once (as it would after losing check-quorum).
    TestEnv env = TestEnv.cluster(2, b -> b.stepDownOnRemoval(true));
    env.elect(1);
    addEmptyNode(env, 3);
    env.node(1).rn.proposeConfChange(cc(ConfChangeType.ADD_LEARNER_NODE, 3));
    env.stabilize();
    env.node(1).rn.proposeConfChange(v2(ConfChangeV2.Transition.EXPLICIT,
        ConfChangeType.ADD_NODE, 3L, ConfChangeType.REMOVE_NODE, 1L));
    env.stabilize();
    assertThat(env.node(2).confState.getVotersOutgoingList()).containsExactly(1L, 2L);
    // Leader 1 proposes leaving the joint config; 2 and 3 store it and ack.
    env.node(1).rn.proposeConfChange(ConfChangeV2.getDefaultInstance());
    env.processReady(1);
    env.deliver(2);
    env.deliver(3);
    env.processReady(2);
    env.processReady(3);
    env.deliver(1); // 1 now knows the leave is committed
    env.propose(1, "tail"); // still a member: accepted, only 1 will ever store it
    env.isolate(1);
    env.processReady(1); // applies the leave: 1 is removed, its log is the longest
    env.queue.clear();
    assertThat(env.node(1).raft().state).isEqualTo(StateRole.FOLLOWER);
    assertThat(env.node(1).confState.getVotersList()).containsExactly(2L, 3L);
    assertThat(env.node(2).raft().log.committed).isLessThan(env.node(1).raft().log.committed);
    env.heal();
    // 2 and 3 are still joint and need 1's vote, which a longer log denies them; 1 campaigns
    // by its new configuration, commits an entry of its term and thereby the leave.
    for (int i = 0; i < 200 && env.node(2).confState.getVotersOutgoingCount() > 0; i++) {
      for (long id = 1; id <= 3; id++) {
        env.tick(id, 1);
      }
      env.stabilize();
    }
    assertThat(env.node(2).confState.getVotersList()).containsExactly(2L, 3L);
    assertThat(env.node(2).confState.getVotersOutgoingList()).isEmpty();
    assertThat(env.node(3).confState.getVotersOutgoingList()).isEmpty();
    // The removed node drops proposals even as leader; the members carry on without it.
    env.isolate(1);
    for (int i = 0; i < 100 && (env.leader() == 0 || env.leader() == 1); i++) {
      env.tick(2, 1);
      env.tick(3, 1);
      env.stabilize();
    }
    assertThat(env.leader()).isIn(2L, 3L);
  }
}
