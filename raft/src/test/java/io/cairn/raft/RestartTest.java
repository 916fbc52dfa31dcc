package io.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.ConfChangeType;
import org.junit.jupiter.api.Test;

class RestartTest {

  @Test
  void restartRestoresHardStateLogAndConfig() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.propose(1, "a");
    env.propose(1, "b");
    env.stabilize();
    env.restart(2);
    Raft r2 = env.node(2).raft();
    assertThat(r2.term).isEqualTo(1);
    assertThat(r2.vote).isEqualTo(1);
    assertThat(r2.log.committed).isEqualTo(3);
    assertThat(r2.log.lastIndex()).isEqualTo(3);
    assertThat(r2.state).isEqualTo(StateRole.FOLLOWER);
    // Entries after the (empty) snapshot are re-applied.
    env.stabilize();
    assertThat(env.node(2).applied.values()).extracting(ByteString::toStringUtf8)
        .containsExactly("a", "b");
  }

  @Test
  void restartAfterCompactionRestoresFromSnapshotAndConfChanges() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.node(1).rn.proposeConfChange(ConfChangeTest.cc(ConfChangeType.REMOVE_NODE, 3));
    env.stabilize();
    env.propose(1, "a");
    env.stabilize();
    SnapshotTest.snapshotAndCompact(env, 2);
    env.propose(1, "b");
    env.stabilize();
    env.restart(2);
    assertThat(env.node(2).raft().trk.config.voters.incoming.ids).containsExactly(1L, 2L);
    env.stabilize();
    assertThat(env.node(2).applied.lastEntry().getValue().toStringUtf8()).isEqualTo("b");
  }

  @Test
  void restartedLeaderBecomesFollowerAndClusterContinues() {
    TestEnv env = TestEnv.cluster(3, b -> b.preVote(true).checkQuorum(true));
    env.elect(1);
    env.propose(1, "a");
    env.stabilize();
    env.restart(1);
    assertThat(env.node(1).raft().state).isEqualTo(StateRole.FOLLOWER);
    for (int i = 0; i < 50 && env.leader() == 0; i++) {
      for (long id = 1; id <= 3; id++) {
        env.tick(id, 1);
      }
      env.stabilize();
    }
    assertThat(env.leader()).isNotZero();
    env.propose(env.leader(), "b");
    env.stabilize();
    assertThat(env.node(1).applied.values()).extracting(ByteString::toStringUtf8)
        .containsExactly("a", "b");
  }
}
