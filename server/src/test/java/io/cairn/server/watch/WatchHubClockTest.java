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

  @TempDir Path dir;
  MvccStore store;
  WatchHub hub;
  final ManualClock clock = new ManualClock();
  final List<String> stops = new ArrayList<>();
  final List<WatchResponse> sent = new ArrayList<>();

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
        (code, reason, cause) -> stops.add(reason));
  }

  @AfterEach
  void close() {
    hub.close();
    store.close();
  }

  private WatchStream watch(String key, boolean progressNotify) throws Exception {
    WatchStream s = hub.open(new Observer(sent));
    hub.handle(s, WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8(key)).setProgressNotify(progressNotify)).build());
    hub.loop().runOnce();
    assertThat(sent).hasSize(1).first().matches(WatchResponse::getCreated);
    sent.clear();
    return s;
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

  /** A client stream that is always ready and records what is sent. */
  static final class Observer extends ServerCallStreamObserver<WatchResponse> {
    private final List<WatchResponse> sent;

    Observer(List<WatchResponse> sent) {
      this.sent = sent;
    }

    @Override public boolean isCancelled() { return false; }
    @Override public void setOnCancelHandler(Runnable r) { }
    @Override public void setCompression(String c) { }
    @Override public boolean isReady() { return true; }
    @Override public void setOnReadyHandler(Runnable r) { }
    @Override public void request(int n) { }
    @Override public void setMessageCompression(boolean enable) { }
    @Override public void disableAutoInboundFlowControl() { }
    @Override public void onNext(WatchResponse value) { sent.add(value); }
    @Override public void onError(Throwable t) { }
    @Override public void onCompleted() { }
  }
}
