package io.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.MessageType;
import org.junit.jupiter.api.Test;

class SnapshotTest {

  /** Compacts node id's storage at its applied index, as an application would. */
  static void snapshotAndCompact(TestEnv env, long id) {
    TestEnv.Node n = env.node(id);
    long idx = n.appliedIndex;
    n.storage.createSnapshot(idx, n.confState, ByteString.copyFromUtf8("state@" + idx));
    n.storage.compact(idx);
  }

  @Test
  void laggingFollowerReceivesSnapshotAndCatchesUp() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.isolate(3);
    for (int i = 0; i < 5; i++) {
      env.propose(1, "v" + i);
    }
    env.stabilize();
    snapshotAndCompact(env, 1);
    env.heal();
    env.trace = new StringBuilder();
    env.tickHeartbeat(1);
    env.stabilize();
    assertThat(env.trace.toString()).contains("MsgSnap");
    TestEnv.Node n3 = env.node(3);
    assertThat(n3.storage.snapshot().getMetadata().getIndex()).isEqualTo(6);
    assertThat(n3.appliedIndex).isEqualTo(6);
    assertThat(n3.raft().log.committed).isEqualTo(6);
    // Replication continues from the snapshot.
    env.propose(1, "after");
    env.stabilize();
    assertThat(n3.applied.lastEntry().getValue().toStringUtf8()).isEqualTo("after");
    assertThat(env.node(1).raft().trk.get(3).state).isEqualTo(ProgressState.REPLICATE);
  }

  @Test
  void followerInSnapshotStateIsPausedUntilReported() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.isolate(3);
    env.propose(1, "a");
    env.stabilize();
    snapshotAndCompact(env, 1);
    env.heal();
    env.ignore(MessageType.MSG_SNAP); // the snapshot gets lost
    env.tickHeartbeat(1);
    env.stabilize();
    Progress pr = env.node(1).raft().trk.get(3);
    assertThat(pr.state).isEqualTo(ProgressState.SNAPSHOT);
    assertThat(pr.isPaused()).isTrue();
    env.node(1).rn.reportSnapshot(3, SnapshotStatus.FAILURE);
    assertThat(pr.state).isEqualTo(ProgressState.PROBE);
    assertThat(pr.pendingSnapshot).isZero();
    env.heal();
    env.tickHeartbeat(1);
    env.stabilize();
    assertThat(env.node(3).appliedIndex).isEqualTo(env.node(1).appliedIndex);
  }

  @Test
  void snapshotStatusFinishMovesToProbe() {
    TestEnv env = TestEnv.cluster(2, b -> { });
    env.elect(1);
    Progress pr = env.node(1).raft().trk.get(2);
    pr.becomeSnapshot(7);
    env.node(1).rn.reportSnapshot(2, SnapshotStatus.FINISH);
    assertThat(pr.state).isEqualTo(ProgressState.PROBE);
    assertThat(pr.next).isEqualTo(8);
  }

  @Test
  void compactionKeepsTermOfCompactedIndex() {
    MemoryRaftStorage s = MemoryRaftStorage.bootstrap(TestEnv.voters(1));
    s.append(java.util.List.of(
        io.cairn.proto.raftpb.Entry.newBuilder().setIndex(1).setTerm(1).build(),
        io.cairn.proto.raftpb.Entry.newBuilder().setIndex(2).setTerm(2).build(),
        io.cairn.proto.raftpb.Entry.newBuilder().setIndex(3).setTerm(2).build()));
    s.compact(2);
    assertThat(s.firstIndex()).isEqualTo(3);
    assertThat(s.term(2)).isEqualTo(2);
    assertThat(s.lastIndex()).isEqualTo(3);
  }

  @Test
  void stalePeerSnapshotIsIgnored() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.propose(1, "a");
    env.stabilize();
    Raft r2 = env.node(2).raft();
    long committed = r2.log.committed;
    var snap = env.node(1).storage.createSnapshot(1, env.node(1).confState, ByteString.EMPTY);
    assertThat(new FollowerStep(r2).restore(snap)).isFalse();
    assertThat(r2.log.committed).isEqualTo(committed);
  }
}
