package io.cairn.server.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.WatchCreateRequest;
import io.cairn.proto.etcdserverpb.WatchGrpc;
import io.cairn.proto.etcdserverpb.WatchRequest;
import io.cairn.proto.etcdserverpb.WatchResponse;
import io.cairn.server.InProcessServer;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A watcher more than one catch-up batch (1,000 revisions) behind gets everything with no further writes. Before the
 * fix it got the first batch and then waited for the next write or progress tick (10 minutes by default): a watch
 * from an old revision on a quiet cluster stalled, found by the robustness campaign.
 */
class WatchCatchUpTest {
  @TempDir Path dir;

  @Test
  void aWatcherFarBehindCatchesUpWithoutFurtherWrites() throws Exception {
    try (InProcessServer srv = new InProcessServer(dir)) {
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(srv.channel);
      long last = 0;
      for (int i = 0; i < 2500; i++) {
        last = kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k" + (i % 50)))
            .setValue(ByteString.copyFromUtf8("v" + i)).build()).getHeader().getRevision();
      }
      AtomicLong lastSeen = new AtomicLong();
      AtomicLong events = new AtomicLong();
      StreamObserver<WatchRequest> req = WatchGrpc.newStub(srv.channel).watch(new StreamObserver<>() {
        @Override
        public void onNext(WatchResponse r) {
          r.getEventsList().forEach(e -> lastSeen.set(e.getKv().getModRevision()));
          events.addAndGet(r.getEventsCount());
        }

        @Override
        public void onError(Throwable t) { }

        @Override
        public void onCompleted() { }
      });
      req.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
          .setKey(ByteString.copyFromUtf8("k")).setRangeEnd(ByteString.copyFromUtf8("l")).setStartRevision(1)).build());
      long want = last;
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> lastSeen.get() == want);
      assertThat(events.get()).isEqualTo(2500);
      req.onCompleted();
    }
  }
}
