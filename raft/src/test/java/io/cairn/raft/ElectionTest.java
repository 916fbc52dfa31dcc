package io.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.raftpb.Message;
import io.cairn.proto.raftpb.MessageType;
import org.junit.jupiter.api.Test;

class ElectionTest {

  @Test
  void singleNodeElectsItselfAfterPersistingItsVote() {
    TestEnv env = TestEnv.cluster(1, b -> { });
    env.tickElection(1);
    env.stabilize();
    assertThat(env.node(1).raft().state).isEqualTo(StateRole.LEADER);
    assertThat(env.node(1).raft().term).isEqualTo(1);
    // the empty entry of the new term is committed
    assertThat(env.node(1).raft().log.committed).isEqualTo(1);
  }

  @Test
  void threeNodesElectOneLeaderAndReplicateTheEmptyEntry() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    assertThat(env.leader()).isEqualTo(1);
    for (TestEnv.Node n : env.nodes.values()) {
      assertThat(n.raft().term).isEqualTo(1);
      assertThat(n.raft().lead).isEqualTo(1);
      assertThat(n.raft().log.committed).isEqualTo(1);
    }
  }

  @Test
  void randomizedTimeoutIsWithinElectionTickAndTwice() {
    TestEnv env = TestEnv.cluster(1, b -> b.random(RandomSource.seeded(42)));
    Raft r = env.node(1).raft();
    for (int i = 0; i < 200; i++) {
      r.becomeFollower(r.term + 1, 0);
      assertThat(r.randomizedElectionTimeout).isBetween(10, 19);
    }
  }

  @Test
  void candidateWithStaleLogLosesTheElection() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.isolate(3);
    env.propose(1, "x");
    env.stabilize();
    env.heal();
    // 3 lacks index 2; 1 and 2 refuse to vote for it.
    env.node(3).rn.campaign();
    env.stabilize();
    assertThat(env.node(3).raft().state).isNotEqualTo(StateRole.LEADER);
    assertThat(env.node(1).raft().log.lastIndex()).isEqualTo(2);
  }

  @Test
  void splitVoteThenRetryElectsALeader() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.isolate(3);
    env.node(1).rn.campaign();
    env.node(2).rn.campaign();
    env.stabilize();
    // both voted for themselves in term 1: nobody wins
    assertThat(env.leader()).isZero();
    env.heal();
    env.tickElection(1);
    env.stabilize();
    assertThat(env.leader()).isEqualTo(1);
    assertThat(env.node(1).raft().term).isEqualTo(2);
  }

  @Test
  void preVoteDoesNotBumpTermOfAPartitionedNode() {
    TestEnv env = TestEnv.cluster(3, b -> b.preVote(true));
    env.elect(1);
    env.isolate(3);
    for (int i = 0; i < 5; i++) {
      env.tickElection(3);
      env.stabilize();
    }
    assertThat(env.node(3).raft().term).isEqualTo(1);
    assertThat(env.node(3).raft().state).isEqualTo(StateRole.PRE_CANDIDATE);
    env.heal();
    env.tickHeartbeat(1);
    env.stabilize();
    // rejoining does not depose the leader
    assertThat(env.leader()).isEqualTo(1);
    assertThat(env.node(1).raft().term).isEqualTo(1);
    assertThat(env.node(3).raft().state).isEqualTo(StateRole.FOLLOWER);
  }

  @Test
  void withoutPreVoteARejoiningNodeDisruptsTheTerm() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.isolate(3);
    env.tickElection(3);
    env.stabilize();
    assertThat(env.node(3).raft().term).isEqualTo(2);
    env.heal();
    env.tickHeartbeat(1);
    env.stabilize();
    // The leader ignores nothing here, but 3's next campaign (term 3) deposes it.
    env.tickElection(3);
    env.stabilize();
    assertThat(env.node(1).raft().term).isGreaterThanOrEqualTo(3);
  }

  @Test
  void checkQuorumLeaderStepsDownWithoutQuorum() {
    TestEnv env = TestEnv.cluster(3, b -> b.checkQuorum(true));
    env.elect(1);
    env.isolate(1);
    env.tick(1, 10);
    env.tick(1, 10);
    env.stabilize();
    assertThat(env.node(1).raft().state).isEqualTo(StateRole.FOLLOWER);
  }

  @Test
  void checkQuorumLeaderStaysWithQuorum() {
    TestEnv env = TestEnv.cluster(3, b -> b.checkQuorum(true));
    env.elect(1);
    for (int i = 0; i < 30; i++) {
      env.tick(1, 1);
      env.stabilize();
    }
    assertThat(env.node(1).raft().state).isEqualTo(StateRole.LEADER);
  }

  @Test
  void voteIsRefusedWhileLeaderLeaseIsFresh() {
    TestEnv env = TestEnv.cluster(3, b -> b.checkQuorum(true));
    env.elect(1);
    Raft r2 = env.node(2).raft();
    long term = r2.term;
    // A vote request for a higher term, while 2 heard from the leader just now: ignored.
    r2.step(Message.newBuilder().setType(MessageType.MSG_VOTE).setFrom(3).setTo(2)
        .setTerm(term + 1).setIndex(100).setLogTerm(term + 1).build());
    assertThat(r2.term).isEqualTo(term);
    assertThat(r2.msgsAfterAppend).isEmpty();
    // After an election timeout without leader contact, the vote is granted.
    env.tick(2, 10);
    r2.step(Message.newBuilder().setType(MessageType.MSG_VOTE).setFrom(3).setTo(2)
        .setTerm(term + 1).setIndex(100).setLogTerm(term + 1).build());
    assertThat(r2.term).isEqualTo(term + 1);
    assertThat(r2.vote).isEqualTo(3);
  }

  @Test
  void nodeVotesAtMostOncePerTerm() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    Raft r1 = env.node(1).raft();
    r1.step(Message.newBuilder().setType(MessageType.MSG_VOTE).setFrom(2).setTo(1).setTerm(1)
        .build());
    r1.step(Message.newBuilder().setType(MessageType.MSG_VOTE).setFrom(3).setTo(1).setTerm(1)
        .build());
    assertThat(r1.vote).isEqualTo(2);
    assertThat(r1.msgsAfterAppend).extracting(Message::getReject).containsExactly(false, true);
  }

  @Test
  void staleLeaderStepsDownOnHigherTermResponse() {
    TestEnv env = TestEnv.cluster(3, b -> b.checkQuorum(true).preVote(true));
    env.elect(1);
    env.isolate(1);
    for (int i = 0; i < 40 && env.leader() == 1; i++) {
      env.tick(2, 1);
      env.tick(3, 1);
      env.stabilize();
    }
    assertThat(env.node(2).raft().term).isEqualTo(2);
    assertThat(env.node(1).raft().state).isEqualTo(StateRole.LEADER); // still thinks so
    env.heal();
    env.tickHeartbeat(1);
    env.stabilize();
    assertThat(env.node(1).raft().state).isEqualTo(StateRole.FOLLOWER);
    assertThat(env.node(1).raft().term).isEqualTo(2);
    assertThat(env.leader()).isIn(2L, 3L);
  }
}
