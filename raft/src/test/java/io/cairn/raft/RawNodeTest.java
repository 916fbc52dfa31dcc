package io.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.raftpb.Message;
import io.cairn.proto.raftpb.MessageType;
import java.util.List;
import org.junit.jupiter.api.Test;

class RawNodeTest {

  @Test
  void localMessagesCannotBeStepped() {
    TestEnv env = TestEnv.cluster(1, b -> { });
    assertThatThrownBy(() -> env.node(1).rn.step(Message.newBuilder()
        .setType(MessageType.MSG_HUP).build()))
        .isInstanceOf(RaftException.class)
        .extracting(e -> ((RaftException) e).code())
        .isEqualTo(RaftException.Code.STEP_LOCAL_MSG);
  }

  @Test
  void responsesFromUnknownPeersAreRejected() {
    TestEnv env = TestEnv.cluster(1, b -> { });
    assertThatThrownBy(() -> env.node(1).rn.step(Message.newBuilder()
        .setType(MessageType.MSG_APP_RESP).setFrom(9).setTerm(1).build()))
        .extracting(e -> ((RaftException) e).code())
        .isEqualTo(RaftException.Code.STEP_PEER_NOT_FOUND);
  }

  @Test
  void advanceWithoutReadyIsAnError() {
    TestEnv env = TestEnv.cluster(1, b -> { });
    assertThatThrownBy(() -> env.node(1).rn.advance()).isInstanceOf(RaftException.class);
  }

  @Test
  void invalidConfigIsRejected() {
    assertThatThrownBy(() -> RaftConfig.builder(1).electionTick(1).heartbeatTick(1).build()
        .validate()).hasMessageContaining("electionTick");
    assertThatThrownBy(() -> RaftConfig.builder(0).build().validate())
        .hasMessageContaining("id");
  }

  @Test
  void statusReportsLeaderProgress() {
    TestEnv env = TestEnv.cluster(3, b -> { });
    env.elect(1);
    Status st = env.node(1).rn.status();
    assertThat(st.softState()).isEqualTo(new SoftState(1, StateRole.LEADER));
    assertThat(st.progress()).containsOnlyKeys(1L, 2L, 3L);
    assertThat(st.progress().get(2L).state()).isEqualTo(ProgressState.REPLICATE);
    assertThat(st.config().getVotersList()).containsExactly(1L, 2L, 3L);
    assertThat(env.node(2).rn.status().progress()).isEmpty();
  }

  @Test
  void committedEntriesPerReadyAreCappedBySize() {
    TestEnv env = TestEnv.cluster(1, b -> b.maxCommittedSizePerReady(4));
    env.elect(1);
    for (int i = 0; i < 4; i++) {
      env.propose(1, "abc" + i);
    }
    RawNode rn = env.node(1).rn;
    Ready rd = rn.ready(); // persist the proposals
    env.node(1).storage.append(rd.entries());
    rn.advance();
    int readies = 0;
    int applied = 0;
    while (rn.hasReady()) {
      rd = rn.ready();
      env.node(1).storage.append(rd.entries());
      applied += rd.committedEntries().size();
      assertThat(rd.committedEntries().size()).isLessThanOrEqualTo(1);
      rn.advance();
      readies++;
    }
    assertThat(applied).isEqualTo(4);
    assertThat(readies).isGreaterThanOrEqualTo(4);
  }

  @Test
  void memoryStorageTruncatesConflictingSuffixOnAppend() {
    MemoryRaftStorage s = new MemoryRaftStorage();
    s.append(List.of(e(1, 1), e(2, 1), e(3, 1)));
    s.append(List.of(e(2, 2)));
    assertThat(s.lastIndex()).isEqualTo(2);
    assertThat(s.term(2)).isEqualTo(2);
    assertThatThrownBy(() -> s.entries(1, 5, Long.MAX_VALUE))
        .extracting(x -> ((RaftException) x).code()).isEqualTo(RaftException.Code.UNAVAILABLE);
    s.compact(1);
    assertThatThrownBy(() -> s.entries(1, 2, Long.MAX_VALUE))
        .extracting(x -> ((RaftException) x).code()).isEqualTo(RaftException.Code.COMPACTED);
  }

  private static Entry e(long index, long term) {
    return Entry.newBuilder().setIndex(index).setTerm(term).build();
  }
}
