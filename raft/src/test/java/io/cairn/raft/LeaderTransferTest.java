package io.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.raftpb.MessageType;
import org.junit.jupiter.api.Test;

class LeaderTransferTest {

  @Test
  void transferToUpToDateFollower() {
    TestEnv env = TestEnv.cluster(3, b -> b.checkQuorum(true).preVote(true));
    env.elect(1);
    env.node(1).rn.transferLeader(2);
    env.stabilize();
    assertThat(env.leader()).isEqualTo(2);
    assertThat(env.node(1).raft().state).isEqualTo(StateRole.FOLLOWER);
    assertThat(env.node(2).raft().term).isEqualTo(2);
  }

  @Test
  void transferToLaggingFollowerCatchesItUpFirst() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.isolate(3);
    env.propose(1, "a");
    env.stabilize();
    env.heal();
    env.node(1).rn.transferLeader(3);
    assertThat(env.node(1).raft().leadTransferee).isEqualTo(3);
    assertThatThrownBy(() -> env.propose(1, "during")).isInstanceOf(RaftException.class)
        .hasMessageContaining("transfer");
    env.stabilize();
    assertThat(env.leader()).isEqualTo(3);
    assertThat(env.node(3).applied).hasSize(1);
  }

  @Test
  void transferRequestOnFollowerIsForwarded() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.node(2).rn.transferLeader(3);
    env.stabilize();
    assertThat(env.leader()).isEqualTo(3);
  }

  @Test
  void transferAbortsAfterElectionTimeout() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.isolate(3);
    env.node(1).rn.transferLeader(3);
    env.stabilize();
    assertThat(env.node(1).raft().leadTransferee).isEqualTo(3);
    env.tick(1, 10);
    assertThat(env.node(1).raft().leadTransferee).isZero();
    env.propose(1, "ok again");
  }

  @Test
  void transferToSelfOrLearnerIsIgnored() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.node(1).rn.transferLeader(1);
    assertThat(env.node(1).raft().leadTransferee).isZero();
  }

  @Test
  void timeoutNowBypassesLease() {
    TestEnv env = TestEnv.cluster(3, b -> b.checkQuorum(true));
    env.elect(1);
    env.ignore(MessageType.MSG_HEARTBEAT);
    env.node(1).rn.transferLeader(3);
    env.stabilize();
    // 2 was in lease with 1, yet granted the vote because it was a forced transfer campaign
    assertThat(env.leader()).isEqualTo(3);
  }
}
