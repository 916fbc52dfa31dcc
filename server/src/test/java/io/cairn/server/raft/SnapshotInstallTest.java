package io.cairn.server.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.raftpb.ConfState;
import io.cairn.proto.raftpb.Message;
import io.cairn.proto.raftpb.MessageType;
import io.cairn.proto.raftpb.Snapshot;
import io.cairn.proto.raftpb.SnapshotMetadata;
import io.cairn.proto.serverpb.MemberRecord;
import io.cairn.raft.RaftConfig;
import io.cairn.raft.RandomSource;
import io.cairn.raft.RawNode;
import io.cairn.server.apply.RequestApplier;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower installs a leader's snapshot only once Raft accepted it, and never moves its store backwards: the
 * defect where a late stream from a former leader rolled a store back below applied, acknowledged writes.
 */
class SnapshotInstallTest {
  static final long SELF = 1;
  static final long LEADER = 2;

  @TempDir Path dir;
  MvccStore store;
  DurableLog log;
  ApplyLoop apply;
  RaftLoop raft;
  final List<String> stops = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    Path member = dir.resolve("member");
    store = MvccStore.open(member.resolve("store"), StoreOptions.builder().syncWrites(false).build());
    List<MemberRecord> members = List.of(MemberRecord.newBuilder().setId(SELF).build(),
        MemberRecord.newBuilder().setId(LEADER).build(), MemberRecord.newBuilder().setId(3).build());
    log = DurableLog.open(member.resolve("wal"), member.resolve("snap"), 2, new byte[16], members, n -> { }, 5000);
    RequestWaits waits = new RequestWaits();
    MemberStop stop = (code, reason, cause) -> stops.add(code + " " + reason);
    RaftLoop[] ref = new RaftLoop[1];
    apply = new ApplyLoop(new RequestApplier(store), waits, 0, r -> ref[0].post(r), (cc, i) -> ref[0].applyConfChange(cc, i),
        stop);
    RawNode node = new RawNode(RaftConfig.builder(SELF).electionTick(1000).heartbeatTick(1)
        .random(RandomSource.seeded(1)).build(), log.view);
    raft = new RaftLoop(SELF, node, log, apply, waits, 5, stop, leader -> { });
    ref[0] = raft;
    apply.onSnapshot((snap, ckpt, from) -> {
      try {
        Path copy = MvccStore.restoringDir(member.resolve("store"));
        Checkpoints.copy(ckpt, copy);
        store.restoreFrom(copy);
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    });
    apply.start();
    raft.start(null);
    // the bootstrap entries are committed and applied before anything else happens
    await().atMost(Duration.ofSeconds(10)).until(() -> apply.appliedIndex() >= 3);
  }

  @AfterEach
  void stop() throws Exception {
    raft.close();
    apply.close();
    log.close();
    store.close();
  }

  /** A checkpoint of another member's store whose last applied raft entry is {@code storeIndex}. */
  private Path checkpoint(String name, long storeIndex, String value) {
    try (MvccStore other = MvccStore.open(dir.resolve(name), StoreOptions.builder().syncWrites(false).build())) {
      other.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
          .setValue(ByteString.copyFromUtf8(value)).build(), storeIndex);
      return other.checkpoint(dir.resolve("member/snap/incoming-" + name));
    }
  }

  private CompletableFuture<Void> offer(long term, long index, Path checkpoint) throws Exception {
    Message snap = Message.newBuilder().setType(MessageType.MSG_SNAP).setFrom(LEADER).setTo(SELF).setTerm(term)
        .setSnapshot(Snapshot.newBuilder().setMetadata(SnapshotMetadata.newBuilder().setIndex(index).setTerm(term)
            .setConfState(ConfState.newBuilder().addVoters(SELF).addVoters(LEADER).addVoters(3)))).build();
    CompletableFuture<Void> done = new CompletableFuture<>();
    raft.offerSnapshot(snap, new ReceivedCheckpoint(checkpoint, Checkpoints.seal(checkpoint),
        MvccStore.inspect(checkpoint).consistentIndex()), done);
    done.get(10, TimeUnit.SECONDS);
    return done;
  }

  private String value() {
    return store.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()).getKvsCount() == 0
        ? null : store.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()).getKvs(0)
        .getValue().toStringUtf8();
  }

  @Test
  void aSnapshotRaftRefusesIsNeverInstalled() throws Exception {
    // index 2 is already committed here: Raft answers with its commit index and takes nothing
    Path stale = checkpoint("stale", 2, "stale");
    offer(1, 2, stale);
    assertThat(stale).doesNotExist();
    assertThat(value()).isNull();
    assertThat(store.consistentIndex()).isNotEqualTo(2);
    assertThat(stops).isEmpty();
  }

  @Test
  void anAcceptedSnapshotIsPersistedThenInstalled() throws Exception {
    Path fresh = checkpoint("fresh", 120, "fresh");
    offer(2, 100, fresh);
    await().atMost(Duration.ofSeconds(10)).until(() -> apply.appliedIndex() >= 100);
    assertThat(value()).isEqualTo("fresh");
    assertThat(store.consistentIndex()).isEqualTo(120);
    // the checkpoint is kept, named by the snapshot, for restarts
    assertThat(dir.resolve("member/snap").resolve(String.format("%016x.ckpt", 100))).isDirectory();
    try (var files = Files.list(dir.resolve("member/snap"))) {
      assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.endsWith(String.format("%016x.snap", 100)));
    }
    assertThat(stops).isEmpty();
  }

  /**
   * Entries that do not write the store (configuration changes, member attributes, a new leader's empty entry) do
   * not move its consistent index, so a leader's store may hold fewer entries than its snapshot's index says: such a
   * snapshot is whole and must be installed. (A check refusing it kept a replacement member from ever catching up.)
   */
  @Test
  void aSnapshotWhoseLastEntriesLeftTheStoreAloneIsInstalled() throws Exception {
    Path lagging = checkpoint("lagging", 95, "lagging");
    offer(2, 100, lagging);
    await().atMost(Duration.ofSeconds(10)).until(() -> apply.appliedIndex() >= 100);
    assertThat(value()).isEqualTo("lagging");
    assertThat(stops).isEmpty();
  }

  @Test
  void aLateSnapshotFromAFormerLeaderNeverRollsTheStoreBack() throws Exception {
    offer(3, 100, checkpoint("current", 150, "current"));
    await().atMost(Duration.ofSeconds(10)).until(() -> apply.appliedIndex() >= 100);
    // the stream a former leader (term 2) started earlier finishes late, for a later index but an older store
    Path late = checkpoint("late", 140, "late");
    offer(2, 140, late);
    assertThat(late).doesNotExist();
    assertThat(value()).isEqualTo("current");
    assertThat(store.consistentIndex()).isEqualTo(150);
    // and a current-term snapshot whose store is behind this one's is taken by Raft but leaves the store as it is
    offer(3, 145, checkpoint("behind", 146, "behind"));
    await().atMost(Duration.ofSeconds(10)).until(() -> apply.appliedIndex() >= 145);
    assertThat(value()).isEqualTo("current");
    assertThat(store.consistentIndex()).isEqualTo(150);
    assertThat(stops).isEmpty();
  }

  /**
   * Two snapshot streams finishing together (from a former and a current leader) reach the raft thread in one drain
   * of its inbox. Raft takes the first and refuses the second; the accepted one must still find its checkpoint.
   * Before the fix the second offer replaced the first, and the Ready that carried the first stopped the member.
   */
  @Test
  void twoSnapshotsInOneDrainInstallTheOneRaftAccepted() throws Exception {
    java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
    raft.post(() -> {
      try {
        hold.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    CompletableFuture<Void> first = offerAsync(3, 100, checkpoint("first", 120, "first"));
    CompletableFuture<Void> second = offerAsync(2, 90, checkpoint("second", 95, "second"));
    hold.countDown();
    first.get(10, TimeUnit.SECONDS);
    second.get(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> apply.appliedIndex() >= 100);
    assertThat(value()).isEqualTo("first");
    assertThat(stops).isEmpty();
  }

  private CompletableFuture<Void> offerAsync(long term, long index, Path checkpoint) throws Exception {
    Message snap = Message.newBuilder().setType(MessageType.MSG_SNAP).setFrom(LEADER).setTo(SELF).setTerm(term)
        .setSnapshot(Snapshot.newBuilder().setMetadata(SnapshotMetadata.newBuilder().setIndex(index).setTerm(term)
            .setConfState(ConfState.newBuilder().addVoters(SELF).addVoters(LEADER).addVoters(3)))).build();
    CompletableFuture<Void> done = new CompletableFuture<>();
    raft.offerSnapshot(snap, new ReceivedCheckpoint(checkpoint, Checkpoints.seal(checkpoint),
        MvccStore.inspect(checkpoint).consistentIndex()), done);
    return done;
  }
}
