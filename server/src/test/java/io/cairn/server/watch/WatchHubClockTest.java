package io.cairn.server.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.WatchCreateRequest;
import io.cairn.proto.etcdserverpb.WatchRequest;
import io.cairn.proto.etcdserverpb.WatchResponse;
import io.cairn.server.api.Headers;
import io.cairn.server.api.MemberState;
import io.cairn.server.loop.ManualClock;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreOptions;
import io.grpc.stub.ServerCallStreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch hub driven turn by turn with a clock moved by hand: progress notifications come when the interval has
 * passed on the member's clock and not before, only to watchers that asked and got nothing since; events come at
 * the next turn after a write.
 */
class WatchHubClockTest {
  static final Duration INTERVAL = Duration.ofSeconds(5);
  static final Duration ELECTION = Duration.ofSeconds(1);

  @TempDir Path dir;
  MvccStore store;
  WatchHub hub;
  final ManualClock clock = new ManualClock();
  final List<String> stops = new ArrayList<>();
  final List<WatchResponse> sent = new ArrayList<>();
  final List<Throwable> errors = new ArrayList<>();
  volatile boolean hasLeader = true;

  @BeforeEach
  void open() {
    store = MvccStore.open(dir, StoreOptions.builder().syncWrites(false).build());
    MemberState member = new MemberState() {
      public long clusterId() { return 1; }
      public long memberId() { return 2; }
      public long raftTerm() { return 3; }
      public long leaderId() { return 2; }
      public long raftIndex() { return 4; }
      public long appliedIndex() { return 4; }
    };
    hub = new WatchHub(store, new Headers(member, store), INTERVAL, 1 << 20, clock,
        (code, reason, cause) -> stops.add(reason), () -> hasLeader, ELECTION);
  }

  @AfterEach
  void close() {
    hub.close();
    store.close();
  }

  private WatchStream watch(String key, boolean progressNotify) throws Exception {
    return watch(key, progressNotify, false);
  }

  private WatchStream watch(String key, boolean progressNotify, boolean requireLeader) throws Exception {
    WatchStream s = hub.open(new Observer(sent, errors), requireLeader);
    hub.handle(s, WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8(key)).setProgressNotify(progressNotify)).build());
    hub.loop().runOnce();
    assertThat(sent).hasSize(1).first().matches(WatchResponse::getCreated);
    sent.clear();
    return s;
  }

  /**
   * A write with no watch stream open costs the watch thread nothing, yet a stream opened around a write (counted,
   * not yet added on the watch thread) is woken, and its watcher gets the write.
   */
  @Test
  void aWriteWakesTheWatchThreadOnlyWhenAStreamIsOpenOrOpening() throws Exception {
    store.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build(), 0);
    hub.wake();
    assertThat(hub.loop().backlog()).as("no stream: no wake-up").isZero();

    long before = store.currentRevision();
    WatchStream s = hub.open(new Observer(sent, errors), false); // not yet added: that is the watch thread's turn
    store.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build(), 0);
    hub.wake();
    assertThat(hub.loop().backlog()).as("the open and the wake-up").isEqualTo(2);
    hub.handle(s, WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8("k")).setStartRevision(before)).build());
    hub.loop().runOnce();
    assertThat(sent).hasSize(2);
    assertThat(sent.get(1).getEventsList()).extracting(e -> e.getKv().getModRevision())
        .containsExactly(before, before + 1);

    hub.close(s);
    hub.loop().runOnce();
    store.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build(), 0);
    hub.wake();
    assertThat(hub.loop().backlog()).as("the stream closed: no wake-up").isZero();
  }

  @Test
  void progressComesOnceTheIntervalHasPassedOnTheMembersClock() throws Exception {
    watch("k", true);
    clock.advance(INTERVAL.minusMillis(1));
    hub.loop().runOnce();
    assertThat(sent).isEmpty();
    clock.advanceMillis(1);
    hub.loop().runOnce();
    assertThat(sent).hasSize(1);
    assertThat(sent.get(0).getEventsCount()).isZero();
    assertThat(sent.get(0).getHeader().getRevision()).isEqualTo(store.currentRevision());
    assertThat(stops).isEmpty();
  }

  /**
   * etcd (since 3.4.38/3.5.22/3.6, PR 20229) sends no progress, periodic or requested, for a watch whose start revision
   * the store has not reached: a member behind the one a client watched before would otherwise report a revision
   * below the client's resume point, after the client saw events above it (ApiserverPatternsTest: a bookmark at 159
   * after an event at 160, on the member a watch resumed on from 161).
   */
  @Test
  void noProgressForAWatchWhoseStartRevisionTheStoreHasNotReached() throws Exception {
    long cur = store.currentRevision();
    WatchStream s = hub.open(new Observer(sent, errors), false);
    hub.handle(s, WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8("k")).setStartRevision(cur + 2).setProgressNotify(true)).build());
    hub.loop().runOnce();
    assertThat(sent).hasSize(1).first().matches(WatchResponse::getCreated);
    sent.clear();

    clock.advance(INTERVAL);
    hub.loop().runOnce();
    hub.handle(s, WatchRequest.newBuilder().setProgressRequest(
        io.cairn.proto.etcdserverpb.WatchProgressRequest.getDefaultInstance()).build());
    hub.loop().runOnce();
    assertThat(sent).as("store at %d, watch from %d", cur, cur + 2).isEmpty();

    store.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("other")).build(), 0);
    hub.wake();
    hub.loop().runOnce();
    clock.advance(INTERVAL);
    hub.loop().runOnce();
    assertThat(sent).as("store at %d, watch from %d", cur + 1, cur + 2).isEmpty();

    store.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("other")).build(), 0);
    hub.wake();
    hub.loop().runOnce();
    assertThat(sent).as("the deferred progress request, now that the store reached the start").hasSize(1);
    assertThat(sent.get(0).getWatchId()).isEqualTo(-1);
    assertThat(sent.get(0).getHeader().getRevision()).isEqualTo(cur + 2);
    clock.advance(INTERVAL);
    hub.loop().runOnce();
    assertThat(sent).hasSize(2);
    assertThat(sent.get(1).getWatchId()).isNotEqualTo(-1);
    assertThat(sent.get(1).getHeader().getRevision()).isEqualTo(cur + 2);
  }

  @Test
  void aWatcherThatGotEventsOrDidNotAskGetsNoProgress() throws Exception {
    watch("k", true);
    store.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build(), 0);
    hub.wake();
    hub.loop().runOnce();
    assertThat(sent).hasSize(1).first().matches(r -> r.getEventsCount() == 1);
    sent.clear();
    clock.advance(INTERVAL);
    hub.loop().runOnce();
    assertThat(sent).as("events were sent since the last tick").isEmpty();
    clock.advance(INTERVAL);
    hub.loop().runOnce();
    assertThat(sent).hasSize(1);

    sent.clear();
    watch("other", false);
    clock.advance(INTERVAL);
    hub.loop().runOnce();
    assertThat(sent).as("only the watcher that asked").hasSize(1);
  }

  @Test
  void streamsThatRequireALeaderEndAfterThreeElectionTimeoutsWithoutOneOthersStay() throws Exception {
    WatchStream required = watch("a", false, true);
    WatchStream plain = watch("b", false, false);
    hasLeader = false;
    for (int i = 1; i < LeaderLossCheck.MAX_NO_LEADER_CHECKS; i++) {
      clock.advance(ELECTION);
      hub.loop().runOnce();
      assertThat(errors).as("after %d election timeouts without a leader", i).isEmpty();
    }
    clock.advance(ELECTION);
    hub.loop().runOnce();
    assertThat(errors).singleElement().satisfies(e -> {
      io.grpc.Status st = io.grpc.Status.fromThrowable(e);
      assertThat(st.getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
      assertThat(st.getDescription()).isEqualTo("etcdserver: no leader");
    });
    assertThat(required.closed).isTrue();
    assertThat(plain.closed).isFalse();
    store.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("b")).build(), 0);
    hub.wake();
    hub.loop().runOnce();
    assertThat(sent).as("the stream that did not ask for a leader still gets events").hasSize(1);
  }

  @Test
  void aLeaderFoundAgainResetsTheCount() throws Exception {
    watch("a", false, true);
    hasLeader = false;
    for (int i = 1; i < LeaderLossCheck.MAX_NO_LEADER_CHECKS; i++) {
      clock.advance(ELECTION);
      hub.loop().runOnce();
    }
    hasLeader = true;
    clock.advance(ELECTION);
    hub.loop().runOnce();
    hasLeader = false;
    for (int i = 1; i < LeaderLossCheck.MAX_NO_LEADER_CHECKS; i++) {
      clock.advance(ELECTION);
      hub.loop().runOnce();
    }
    assertThat(errors).isEmpty();
  }

  /** A client stream that is always ready and records what is sent. */
  @Test
  void aTurnWithNoNewRevisionNoCreateAndNoProgressRequestTouchesNoStream() throws Exception {
    WatchStream s = hub.open(new Observer(sent, errors), false);
    Observer out = new Observer(sent, errors);
    WatchStream watched = hub.open(out, false);
    hub.handle(watched, WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8("k"))).build());
    hub.loop().runOnce();
    assertThat(sent).hasSize(1);
    out.readyChecks = 0;
    for (int i = 0; i < 10; i++) {
      hub.wake(); // a wake-up with nothing new (a read-only apply, say)
      hub.loop().runOnce();
    }
    // creating 10,000 watchers used to walk every stream at each of their creates
    assertThat(out.readyChecks).isZero();

    store.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build(), 5);
    hub.wake();
    hub.loop().runOnce();
    assertThat(sent).hasSize(2);
    assertThat(sent.get(1).getEventsList()).hasSize(1);
    assertThat(out.readyChecks).isPositive();

    // a progress request is answered at the next turn although nothing else changed
    hub.handle(watched, WatchRequest.newBuilder().setProgressRequest(
        io.cairn.proto.etcdserverpb.WatchProgressRequest.getDefaultInstance()).build());
    hub.loop().runOnce();
    assertThat(sent).hasSize(3);
    assertThat(sent.get(2).getWatchId()).isEqualTo(-1);
    hub.close(s);
  }

  static final class Observer extends ServerCallStreamObserver<WatchResponse> {
    private final List<WatchResponse> sent;
    private final List<Throwable> errors;

    Observer(List<WatchResponse> sent, List<Throwable> errors) {
      this.sent = sent;
      this.errors = errors;
    }

    @Override public boolean isCancelled() { return false; }
    @Override public void setOnCancelHandler(Runnable r) { }
    @Override public void setCompression(String c) { }
    int readyChecks;

    @Override public boolean isReady() { readyChecks++; return true; }
    @Override public void setOnReadyHandler(Runnable r) { }
    @Override public void request(int n) { }
    @Override public void setMessageCompression(boolean enable) { }
    @Override public void disableAutoInboundFlowControl() { }
    @Override public void onNext(WatchResponse value) { sent.add(value); }
    @Override public void onError(Throwable t) { errors.add(t); }
    @Override public void onCompleted() { }
  }
}
