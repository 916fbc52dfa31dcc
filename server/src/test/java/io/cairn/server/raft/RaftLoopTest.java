package io.cairn.server.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.PutResponse;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.proto.serverpb.MemberRecord;
import io.cairn.raft.RaftConfig;
import io.cairn.raft.RandomSource;
import io.cairn.raft.RawNode;
import io.cairn.server.apply.RequestApplier;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The raft loop and the apply loop of a lone member, driven turn by turn on the test's thread (no threads, no
 * clock: Raft counts ticks): an election by ticks, a proposal persisted to the WAL before it is applied and answered,
 * proposals held while there is no leader, and a WAL reopened with what was acknowledged.
 */
class RaftLoopTest {
  static final long SELF = 1;
  static final long SEED = Long.getLong("cairn.raftloop.seed", 20261206L);

  @TempDir Path dir;
  MvccStore store;
  DurableLog log;
  ApplyLoop apply;
  RaftLoop raft;
  final RequestWaits waits = new RequestWaits();
  final List<String> stops = new CopyOnWriteArrayList<>();

  @BeforeEach
  void open() throws Exception {
    Path member = dir.resolve("member");
    store = MvccStore.open(member.resolve("store"), StoreOptions.builder().syncWrites(false).build());
    log = DurableLog.open(member.resolve("wal"), member.resolve("snap"), 2, new byte[16],
        List.of(MemberRecord.newBuilder().setId(SELF).build()), n -> { }, 5000);
    MemberStop stop = (code, reason, cause) -> stops.add(code + " " + reason);
    RaftLoop[] ref = new RaftLoop[1];
    apply = new ApplyLoop(new RequestApplier(store), waits, 0, r -> ref[0].post(r),
        (cc, i) -> ref[0].applyConfChange(cc, i), stop);
    RawNode node = new RawNode(RaftConfig.builder(SELF).electionTick(10).heartbeatTick(1)
        .random(RandomSource.seeded(SEED)).build(), log.view);
    raft = new RaftLoop(SELF, node, log, apply, waits, 5, stop, leader -> { });
    ref[0] = raft;
  }

  @AfterEach
  void close() throws Exception {
    raft.close();
    apply.close();
    log.close();
    store.close();
  }

  /** One turn of each loop, raft first: what raft committed is then applied. */
  private void turn() throws Exception {
    raft.loop().runOnce();
    apply.loop().runOnce();
  }

  private void electByTicks() throws Exception {
    for (int i = 0; i < 100 && !raft.isLeader(); i++) {
      raft.tick();
      turn();
    }
    assertThat(raft.isLeader()).as("elected within 100 ticks (seed %d, -Dcairn.raftloop.seed)", SEED).isTrue();
    turn(); // the new leader's empty entry and the bootstrap configuration are applied
  }

  private static byte[] put(long id, String key) {
    return InternalRequest.newBuilder().setId(id).setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
        .setValue(ByteString.copyFromUtf8("v"))).build().toByteArray();
  }

  /** The leader's periodic duties (AutoPromoteLearners) ride on Raft's tick: every n ticks, only while leading. */
  @Test
  void theLeaderCheckRunsEveryNTicksOnlyWhileThisMemberLeads() throws Exception {
    List<io.cairn.raft.Status> seen = new CopyOnWriteArrayList<>();
    raft.everyLeaderTicks(3, seen::add);
    electByTicks();
    int afterElection = seen.size();
    assertThat(afterElection).as("at most one check in the ticks that elected it").isLessThanOrEqualTo(1);
    seen.clear();
    for (int i = 0; i < 9; i++) {
      raft.tick();
      turn();
    }
    assertThat(seen).hasSize(3);
    // each with the leader's progress, its own match at its last index
    assertThat(seen.get(2).progress().get(SELF).match()).isEqualTo(log.view.lastIndex());
    assertThat(seen.get(2).softState().role()).isEqualTo(io.cairn.raft.StateRole.LEADER);
  }

  @Test
  void noLeaderCheckBeforeThisMemberLeads() throws Exception {
    List<io.cairn.raft.Status> seen = new CopyOnWriteArrayList<>();
    raft.everyLeaderTicks(1, seen::add);
    raft.tick(); // one tick elects no one (election timeout 10 ticks)
    turn();
    assertThat(raft.isLeader()).isFalse();
    assertThat(seen).isEmpty();
  }

  @Test
  void aProposalIsPersistedThenAppliedThenAnswered() throws Exception {
    electByTicks();
    long before = log.view.lastIndex();
    CompletableFuture<Message> caller = waits.register(7);
    raft.propose(7, put(7, "k"), false);
    raft.loop().runOnce();
    // a lone member commits what it has persisted: in the log, handed to the apply loop, not applied yet
    assertThat(log.view.lastIndex()).isEqualTo(before + 1);
    assertThat(caller).isNotDone();
    assertThat(store.consistentIndex()).isLessThan(before + 1);
    apply.loop().runOnce();
    assertThat(caller.getNow(null)).isInstanceOf(PutResponse.class);
    assertThat(store.consistentIndex()).isEqualTo(before + 1);
    assertThat(stops).isEmpty();
  }

  @Test
  void theProposalsOfOneDrainAreAppendedTogetherInTheirOrderAndEachIsAnswered() throws Exception {
    electByTicks();
    long before = log.view.lastIndex();
    List<CompletableFuture<Message>> callers = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      callers.add(waits.register(20 + i));
      raft.propose(20 + i, put(20 + i, "batch" + i), false);
    }
    raft.loop().runOnce(); // one drain: one MsgProp of five entries
    assertThat(log.view.lastIndex()).isEqualTo(before + 5);
    List<io.cairn.proto.raftpb.Entry> appended = log.view.entries(before + 1, before + 6, Long.MAX_VALUE);
    for (int i = 0; i < 5; i++) {
      assertThat(InternalRequest.parseFrom(appended.get(i).getData()).getId()).isEqualTo(20 + i);
    }
    apply.loop().runOnce();
    long last = 0;
    for (CompletableFuture<Message> c : callers) {
      long rev = ((PutResponse) c.getNow(null)).getHeader().getRevision();
      assertThat(rev).isGreaterThan(last);
      last = rev;
    }
  }

  @Test
  void proposalsWithoutALeaderAreHeldAndProposedOnceOneIsElected() throws Exception {
    CompletableFuture<Message> caller = waits.register(8);
    raft.propose(8, put(8, "early"), false);
    turn();
    assertThat(caller).isNotDone();
    long held = log.view.lastIndex();
    electByTicks();
    turn();
    assertThat(log.view.lastIndex()).isGreaterThan(held);
    assertThat(caller.getNow(null)).isInstanceOf(PutResponse.class);
  }

  @Test
  void whatWasAcknowledgedIsInTheWalWhenItIsReopened() throws Exception {
    electByTicks();
    CompletableFuture<Message> caller = waits.register(9);
    raft.propose(9, put(9, "durable"), false);
    turn();
    assertThat(caller).isDone();
    long last = log.view.lastIndex();
    raft.close();
    apply.close();
    log.close();
    Path member = dir.resolve("member");
    log = DurableLog.open(member.resolve("wal"), member.resolve("snap"), 2, new byte[16], List.of(), n -> { }, 5000);
    assertThat(log.view.lastIndex()).isEqualTo(last);
    InternalRequest r = InternalRequest.parseFrom(log.view.entries(last, last + 1, Long.MAX_VALUE).get(0).getData());
    assertThat(r.getPut().getKey().toStringUtf8()).isEqualTo("durable");
  }
}
