package io.cairn.server.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.server.apply.RequestApplier;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreOptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The apply thread: no invented answers for re-delivered entries, and a failure stops the member. */
class ApplyLoopTest {
  @TempDir Path dir;
  MvccStore store;
  ApplyLoop apply;
  final RequestWaits waits = new RequestWaits();
  final List<String> stops = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    store = MvccStore.open(dir.resolve("store"), StoreOptions.builder().syncWrites(false).build());
    // a snapshot from the leader brought the store to raft index 10
    store.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("lock")).build(), 10);
    apply = new ApplyLoop(new RequestApplier(store), waits, 5, Runnable::run, (cc, i) -> { },
        (code, reason, cause) -> stops.add(code + " " + reason));
  }

  @AfterEach
  void stop() {
    apply.close();
    store.close();
  }

  private static Entry entry(long index, InternalRequest req) {
    return Entry.newBuilder().setIndex(index).setTerm(2).setType(Entry.Type.NORMAL).setData(req.toByteString()).build();
  }

  @Test
  void aReDeliveredEntryGetsAnUnknownOutcomeNotAnInventedResponse() throws Exception {
    CompletableFuture<Message> caller = waits.register(42);
    // this member proposed a txn (a Lock's create); it was applied as part of the leader's checkpoint, and Raft
    // re-delivers it: answering "succeeded=false, no responses" would make the Lock fail
    InternalRequest txn = InternalRequest.newBuilder().setId(42).setTxn(TxnRequest.newBuilder().addSuccess(
        io.cairn.proto.etcdserverpb.RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
            .setKey(ByteString.copyFromUtf8("lock/1"))))).build();
    apply.submit(List.of(entry(8, txn)));
    apply.loop().runOnce();
    assertThat(caller).isDone();
    Throwable err = null;
    try {
      caller.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      err = e.getCause();
    }
    assertThat(err).isInstanceOf(StatusRuntimeException.class);
    assertThat(((StatusRuntimeException) err).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(err.getMessage()).contains("etcdserver: request timed out");
    assertThat(store.consistentIndex()).isEqualTo(10);
  }

  @Test
  void aNewEntryIsAppliedAndAnswered() throws Exception {
    CompletableFuture<Message> caller = waits.register(43);
    apply.submit(List.of(entry(11, InternalRequest.newBuilder().setId(43)
        .setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))).build())));
    assertThat(caller).isNotDone();
    apply.loop().runOnce();
    assertThat(caller.getNow(null)).isInstanceOf(io.cairn.proto.etcdserverpb.PutResponse.class);
    assertThat(store.consistentIndex()).isEqualTo(11);
  }

  @Test
  void watchersAreWokenAfterTheWriteAndBeforeTheWriterHearsBack() throws Exception {
    List<String> order = new CopyOnWriteArrayList<>();
    long revision = store.currentRevision();
    apply.onWritten(() -> order.add("woken at revision " + store.currentRevision()));
    CompletableFuture<Message> caller = waits.register(46);
    caller.thenRun(() -> order.add("answered"));
    apply.submit(List.of(entry(11, InternalRequest.newBuilder().setId(46)
        .setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("w"))).build())));
    apply.loop().runOnce();
    // a client watching its own write sees the event no later than its response (etcd notifies within the apply)
    assertThat(order).containsExactly("woken at revision " + (revision + 1), "answered");
  }

  @Test
  void aDrainThatWroteNothingWakesNoOne() throws Exception {
    java.util.concurrent.atomic.AtomicInteger wakes = new java.util.concurrent.atomic.AtomicInteger();
    apply.onWritten(wakes::incrementAndGet);
    waits.register(47);
    apply.submit(List.of(entry(11, InternalRequest.newBuilder().setId(47)
        .setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("r"))).build())));
    apply.loop().runOnce();
    assertThat(wakes).hasValue(1);
    // linearizable reads waiting for the applied index are released by the apply thread's drains: at 30,000 reads a
    // second those drains must not wake the watch and waiter threads for nothing
    CompletableFuture<Void> read = new CompletableFuture<>();
    apply.whenApplied(11, read);
    apply.loop().runOnce();
    assertThat(read).isDone();
    assertThat(wakes).hasValue(1);
  }

  @Test
  void aReadOfAnIndexAlreadyAppliedIsReleasedAtOnceAndALaterOneWaitsForItsEntry() throws Exception {
    waits.register(48);
    apply.submit(List.of(entry(11, InternalRequest.newBuilder().setId(48)
        .setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("x"))).build())));
    apply.loop().runOnce();
    CompletableFuture<Void> applied = new CompletableFuture<>();
    apply.whenApplied(11, applied);
    assertThat(applied).isDone(); // no turn of the apply loop needed
    CompletableFuture<Void> ahead = new CompletableFuture<>();
    apply.whenApplied(12, ahead);
    apply.loop().runOnce();
    assertThat(ahead).isNotDone();
    waits.register(49);
    apply.submit(List.of(entry(12, InternalRequest.newBuilder().setId(49)
        .setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("y"))).build())));
    apply.loop().runOnce();
    assertThat(ahead).isDone();
  }

  @Test
  void entriesQueuedTogetherAreWrittenInOneBatchBeforeAnyIsAnswered() throws Exception {
    CompletableFuture<Message> first = waits.register(44);
    CompletableFuture<Message> second = waits.register(45);
    long revision = store.currentRevision();
    apply.submit(List.of(entry(11, InternalRequest.newBuilder().setId(44)
        .setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("a"))).build())));
    apply.submit(List.of(entry(12, InternalRequest.newBuilder().setId(45)
        .setPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("b"))).build())));
    CompletableFuture<Void> read = new CompletableFuture<>();
    apply.whenApplied(12, read);
    apply.loop().runOnce();
    assertThat(store.currentRevision()).isEqualTo(revision + 2);
    assertThat(apply.appliedIndex()).isEqualTo(12);
    assertThat(List.of(first, second, read)).allMatch(CompletableFuture::isDone);
    assertThat(((io.cairn.proto.etcdserverpb.PutResponse) second.get()).getHeader().getRevision())
        .isEqualTo(revision + 2);
  }

  @Test
  void aFailureOnTheApplyThreadStopsTheMember() {
    apply.start();
    apply.submit(List.of(Entry.newBuilder().setIndex(11).setTerm(2).setType(Entry.Type.NORMAL)
        .setData(ByteString.copyFromUtf8("\u00ff\u00ff not a request")).build()));
    await().atMost(Duration.ofSeconds(10)).until(() -> !stops.isEmpty());
    assertThat(stops.get(0)).startsWith("1 applying committed entries failed");
  }
}
