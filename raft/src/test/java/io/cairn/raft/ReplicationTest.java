package io.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.raftpb.Message;
import io.cairn.proto.raftpb.MessageType;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicationTest {

  private static Entry ent(long term, long index) {
    return Entry.newBuilder().setTerm(term).setIndex(index).build();
  }

  @Test
  void proposalsReplicateCommitAndApplyOnAllNodes() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.propose(1, "a");
    env.propose(1, "b");
    env.stabilize();
    for (TestEnv.Node n : env.nodes.values()) {
      assertThat(n.applied.values()).extracting(ByteString::toStringUtf8)
          .containsExactly("a", "b");
      assertThat(n.raft().log.committed).isEqualTo(3);
    }
  }

  @Test
  void followerForwardsProposalsToTheLeader() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.propose(2, "fwd");
    env.stabilize();
    assertThat(env.node(3).applied.values()).extracting(ByteString::toStringUtf8)
        .containsExactly("fwd");
  }

  @Test
  void proposalWithoutLeaderIsDropped() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    assertThatThrownBy(() -> env.propose(2, "x")).isInstanceOf(RaftException.class)
        .extracting(e -> ((RaftException) e).code())
        .isEqualTo(RaftException.Code.PROPOSAL_DROPPED);
  }

  @Test
  void proposalWithForwardingDisabledIsDropped() {
    TestEnv env = TestEnv.cluster(3, b -> b.disableProposalForwarding(true));
    env.elect(1);
    assertThatThrownBy(() -> env.propose(2, "x")).isInstanceOf(RaftException.class);
  }

  @Test
  void followerRejectsAppendWhosePreviousEntryItLacks() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    Raft r = env.node(2).raft();
    r.becomeFollower(2, 1);
    r.step(Message.newBuilder().setType(MessageType.MSG_APP).setFrom(1).setTo(2).setTerm(2)
        .setIndex(5).setLogTerm(2).addEntries(ent(2, 6)).build());
    Message resp = r.msgsAfterAppend.get(0);
    assertThat(resp.getReject()).isTrue();
    assertThat(resp.getRejectHint()).isZero(); // our log is empty
  }

  @Test
  void conflictingUncommittedSuffixIsReplaced() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    Raft r = env.node(2).raft();
    r.becomeFollower(1, 1);
    r.step(Message.newBuilder().setType(MessageType.MSG_APP).setFrom(1).setTo(2).setTerm(1)
        .setIndex(0).setLogTerm(0).addAllEntries(List.of(ent(1, 1), ent(1, 2), ent(1, 3)))
        .build());
    r.step(Message.newBuilder().setType(MessageType.MSG_APP).setFrom(3).setTo(2).setTerm(2)
        .setIndex(1).setLogTerm(1).addAllEntries(List.of(ent(2, 2))).setCommit(1).build());
    assertThat(r.log.lastIndex()).isEqualTo(2);
    assertThat(r.log.term(2)).isEqualTo(2);
    assertThat(r.log.committed).isEqualTo(1);
  }

  @Test
  void fastBacktrackingSkipsWholeTerms() {
    // Follower 2 has a long divergent tail of term 2 entries; the leader has term 3 entries.
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);               // term 1, index 1
    env.isolate(2);
    env.isolate(3);
    for (int i = 0; i < 20; i++) {
      env.propose(1, "lost" + i);   // term 1, uncommitted on 1 only
    }
    env.stabilize();
    env.heal();
    env.isolate(1);
    env.tickElection(2);          // 2 (with 3) elect a new leader in term 2
    env.stabilize();
    assertThat(env.leader()).isIn(2L, 3L);
    long newLeader = env.leader();
    env.propose(newLeader, "kept");
    env.stabilize();
    env.heal();
    // Count the round trips until node 1 matches: with hints this is a handful, not 20.
    int appends = 0;
    env.tickHeartbeat(newLeader);
    for (int i = 0; i < 50; i++) {
      env.processReady(newLeader);
      for (Message m : env.queue) {
        if (m.getTo() == 1 && m.getType() == MessageType.MSG_APP) {
          appends++;
        }
      }
      boolean moved = env.deliver(1);
      env.processReady(1);
      moved |= env.deliver(newLeader);
      if (!moved && !env.node(newLeader).rn.hasReady()) {
        break;
      }
    }
    env.stabilize();
    assertThat(appends).isLessThanOrEqualTo(4);
    assertThat(env.node(1).applied.values()).extracting(ByteString::toStringUtf8)
        .containsExactly("kept");
    assertThat(env.node(1).raft().log.lastIndex()).isEqualTo(env.node(newLeader).raft().log
        .lastIndex());
  }

  @Test
  void leaderOnlyCommitsEntriesOfItsTermByCounting() {
    // Figure 8: an entry of an old term replicated on a majority is not committed until an
    // entry of the current term is.
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    Raft r1 = env.node(1).raft();
    r1.becomeFollower(r1.term + 1, 0);
    r1.becomeCandidate();
    r1.becomeLeader(); // appends the empty entry of the new term (index 2)
    long emptyIndex = r1.log.lastIndex();
    // Pretend a quorum has an old-term entry only: match = 1 (term 1) for 2 and 3.
    r1.trk.get(2).maybeUpdate(1);
    r1.trk.get(3).maybeUpdate(1);
    assertThat(r1.log.maybeCommit(r1.trk.committed(), r1.term)).isFalse();
    r1.trk.get(2).maybeUpdate(emptyIndex);
    r1.trk.get(1).maybeUpdate(emptyIndex);
    assertThat(r1.log.maybeCommit(r1.trk.committed(), r1.term)).isTrue();
    assertThat(r1.log.committed).isEqualTo(emptyIndex);
  }

  @Test
  void newLeaderAppendsAnEmptyEntry() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(2);
    Entry e = env.node(2).raft().log.entries(1, Long.MAX_VALUE).get(0);
    assertThat(e.getTerm()).isEqualTo(1);
    assertThat(e.getData().isEmpty()).isTrue();
  }

  @Test
  void pipelineIsBoundedByInflightCount() {
    TestEnv env = TestEnv.cluster(2, b -> b.maxInflightMsgs(3).maxSizePerMsg(1));
    env.elect(1);
    env.ignore(MessageType.MSG_APP_RESP);
    for (int i = 0; i < 10; i++) {
      env.propose(1, "p" + i);
    }
    env.processReady(1);
    long apps = env.queue.stream().filter(m -> m.getType() == MessageType.MSG_APP).count();
    assertThat(apps).isEqualTo(3);
    assertThat(env.node(1).raft().trk.get(2).isPaused()).isTrue();
    env.heal();
    env.stabilize();
    assertThat(env.node(2).applied).hasSize(10);
  }

  @Test
  void pipelineIsBoundedByInflightBytes() {
    TestEnv env = TestEnv.cluster(2, b -> b.maxInflightMsgs(100).maxSizePerMsg(10)
        .maxInflightBytes(20));
    env.elect(1);
    env.ignore(MessageType.MSG_APP_RESP);
    for (int i = 0; i < 10; i++) {
      env.propose(1, "0123456789");
    }
    env.processReady(1);
    long apps = env.queue.stream().filter(m -> m.getType() == MessageType.MSG_APP).count();
    assertThat(apps).isEqualTo(2);
    env.heal();
    env.stabilize();
    assertThat(env.node(2).applied).hasSize(10);
  }

  @Test
  void batchProposalTravelsInOneAppend() {
    TestEnv env = TestEnv.cluster(2, b -> { });
    env.elect(1);
    env.node(1).rn.propose(List.of(ByteString.copyFromUtf8("b1"), ByteString.copyFromUtf8("b2"),
        ByteString.copyFromUtf8("b3")));
    env.processReady(1);
    List<Message> apps = env.queue.stream().filter(m -> m.getType() == MessageType.MSG_APP)
        .toList();
    assertThat(apps).hasSize(1);
    assertThat(apps.get(0).getEntriesCount()).isEqualTo(3);
    env.stabilize();
    assertThat(env.node(2).applied).hasSize(3);
  }

  @Test
  void proposalsQueuedBehindAPausedFollowerAreBatched() {
    TestEnv env = TestEnv.cluster(2, b -> { });
    env.elect(1);
    Progress pr = env.node(1).raft().trk.get(2);
    pr.becomeProbe();
    pr.msgAppFlowPaused = true; // a probe is outstanding
    for (int i = 0; i < 5; i++) {
      env.propose(1, "b" + i);
    }
    env.processReady(1);
    assertThat(env.queue).isEmpty();
    env.tickHeartbeat(1);
    env.processReady(1);
    env.deliver(2);
    env.processReady(2);
    env.deliver(1);
    env.processReady(1);
    List<Message> apps = env.queue.stream().filter(m -> m.getType() == MessageType.MSG_APP)
        .toList();
    assertThat(apps).hasSize(1);
    assertThat(apps.get(0).getEntriesCount()).isEqualTo(5);
    env.stabilize();
    assertThat(env.node(2).applied).hasSize(5);
  }

  @Test
  void probeStateSendsOneAppendPerHeartbeat() {
    TestEnv env = TestEnv.cluster(2, b -> { });
    env.elect(1);
    Progress pr = env.node(1).raft().trk.get(2);
    pr.becomeProbe();
    env.isolate(2);
    env.propose(1, "a");
    env.propose(1, "b");
    env.processReady(1);
    assertThat(pr.isPaused()).isTrue();
    assertThat(pr.state).isEqualTo(ProgressState.PROBE);
  }

  @Test
  void unreachableFollowerGoesBackToProbe() {
    TestEnv env = TestEnv.cluster(2, b -> { });
    env.elect(1);
    env.node(1).rn.reportUnreachable(2);
    assertThat(env.node(1).raft().trk.get(2).state).isEqualTo(ProgressState.PROBE);
  }

  @Test
  void readyFollowsThePersistBeforeAckProtocol() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.propose(1, "x");
    env.processReady(1);
    env.deliver(2);
    Ready rd = env.node(2).rn.ready();
    assertThat(rd.entries()).hasSize(1);
    assertThat(rd.mustSync()).isTrue();
    assertThat(rd.messages()).isEmpty();
    assertThat(rd.messagesAfterPersist()).extracting(Message::getType)
        .containsExactly(MessageType.MSG_APP_RESP);
    assertThatThrownBy(() -> env.node(2).rn.ready()).isInstanceOf(RaftException.class);
    env.node(2).storage.append(rd.entries());
    env.node(2).rn.advance();
    assertThat(env.node(2).rn.hasReady()).isFalse();
  }

  @Test
  void commitOnlyChangeDoesNotRequireSync() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    env.propose(1, "x");
    env.processReady(1);
    env.deliver(2);
    env.processReady(2);
    env.deliver(1);
    env.processReady(1); // commits index 2, sends commit to followers
    env.deliver(2);
    Ready rd = env.node(2).rn.ready();
    assertThat(rd.hardState().getCommit()).isEqualTo(2);
    assertThat(rd.entries()).isEmpty();
    assertThat(rd.mustSync()).isFalse();
    env.node(2).rn.advance();
  }
}
