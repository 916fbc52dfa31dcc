package io.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.MessageType;
import org.junit.jupiter.api.Test;

class ReadIndexTest {
  private static ByteString ctx(String s) {
    return ByteString.copyFromUtf8(s);
  }

  @Test
  void leaderAnswersAfterHeartbeatQuorum() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.propose(1, "a");
    env.stabilize();
    env.node(1).rn.readIndex(ctx("r1"));
    env.processReady(1);
    assertThat(env.node(1).reads).isEmpty();  // needs acks first
    env.stabilize();
    assertThat(env.node(1).reads).containsExactly(new ReadState(2, ctx("r1")));
  }

  @Test
  void readsAreBatchedOnOneHeartbeatRound() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.ignore(MessageType.MSG_HEARTBEAT);
    env.node(1).rn.readIndex(ctx("r1"));
    env.node(1).rn.readIndex(ctx("r2"));
    env.stabilize();
    assertThat(env.node(1).reads).isEmpty();
    env.heal();
    env.node(1).rn.readIndex(ctx("r3")); // its heartbeat round confirms all three
    env.stabilize();
    assertThat(env.node(1).reads).extracting(ReadState::requestCtx)
        .containsExactly(ctx("r1"), ctx("r2"), ctx("r3"));
  }

  @Test
  void isolatedLeaderCannotServeReads() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.isolate(1);
    env.node(1).rn.readIndex(ctx("r"));
    env.stabilize();
    env.tickHeartbeat(1);
    env.stabilize();
    assertThat(env.node(1).reads).isEmpty();
  }

  @Test
  void followerReadIsForwardedAndAnswered() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.propose(1, "a");
    env.stabilize();
    env.node(3).rn.readIndex(ctx("f"));
    env.stabilize();
    assertThat(env.node(3).reads).containsExactly(new ReadState(2, ctx("f")));
  }

  @Test
  void newLeaderDefersReadsUntilItCommitsInItsTerm() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.node(1).rn.campaign();
    // Win the election but hold back the appends of the empty entry.
    env.ignore(MessageType.MSG_APP);
    env.stabilize();
    assertThat(env.leader()).isEqualTo(1);
    env.node(1).rn.readIndex(ctx("early"));
    env.stabilize();
    assertThat(env.node(1).reads).isEmpty();
    env.heal();
    env.tickHeartbeat(1);
    env.stabilize();
    assertThat(env.node(1).reads).containsExactly(new ReadState(1, ctx("early")));
  }

  @Test
  void leaseBasedReadAnswersWithoutARound() {
    TestEnv env = TestEnv.cluster(3, b -> b.checkQuorum(true)
        .readOnlyOption(ReadOnlyOption.LEASE_BASED));
    env.elect(1);
    env.isolate(2);
    env.isolate(3);
    env.node(1).rn.readIndex(ctx("l"));
    env.processReady(1);
    assertThat(env.node(1).reads).containsExactly(new ReadState(1, ctx("l")));
  }

  @Test
  void leaseBasedReadsRequireCheckQuorum() {
    assertThatThrownBy(() -> TestEnv.cluster(1, b -> b.checkQuorum(false)
        .readOnlyOption(ReadOnlyOption.LEASE_BASED)))
        .isInstanceOf(RaftException.class).hasMessageContaining("checkQuorum");
  }

  @Test
  void singleNodeAnswersImmediately() {
    TestEnv env = TestEnv.cluster(1, b -> { });
    env.elect(1);
    env.node(1).rn.readIndex(ctx("s"));
    env.stabilize();
    assertThat(env.node(1).reads).containsExactly(new ReadState(1, ctx("s")));
  }
}
