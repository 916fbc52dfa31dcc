package io.cairn.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeStreamResponse;
import io.cairn.server.auth.AuthSettings;
import io.cairn.server.auth.AuthStore;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreOptions;
import io.grpc.ForwardingServerCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A RangeStream over 200 values of 1 MiB read by a client that takes one message and then stops: the server reads
 * (and holds) only the chunks gRPC flow control lets through, not the whole range; once the client reads on, the
 * rest arrives complete.
 */
class RangeStreamFlowControlTest {
  static final int VALUES = 200;
  static final int MAX_REQUEST_BYTES = (int) (1.5 * 1024 * 1024);

  @TempDir Path dir;

  /** Counts the messages the server hands to gRPC for sending. */
  static final class SentCounter implements ServerInterceptor {
    final AtomicInteger sent = new AtomicInteger();

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
        @Override
        public void sendMessage(R message) {
          sent.incrementAndGet();
          super.sendMessage(message);
        }
      }, headers);
    }
  }

  @Test
  void aClientThatDoesNotReadHoldsTheServerToAFewChunks() throws Exception {
    ExecutorService reads = Executors.newFixedThreadPool(2);
    SentCounter counter = new SentCounter();
    try (MvccStore store = MvccStore.open(dir.resolve("store"), StoreOptions.builder().syncWrites(false).build())) {
      ByteString mib = ByteString.copyFrom(new byte[1 << 20]);
      for (int i = 0; i < VALUES; i++) {
        store.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(String.format("big/%03d", i)))
            .setValue(mib).build(), i + 1);
      }
      AuthStore auth = AuthStore.open(store, AuthSettings.fromFlags("simple", 300, 4, false,
          System::currentTimeMillis), () -> 0);
      Headers headers = new Headers(new FixedMember(), store);
      AtomicInteger barriers = new AtomicInteger();
      RangeStreamer streamer = new RangeStreamer(store, () -> {
        barriers.incrementAndGet();
        return CompletableFuture.completedFuture(null);
      }, headers, auth, reads, MAX_REQUEST_BYTES);
      KVGrpc.KVImplBase service = new KVGrpc.KVImplBase() {
        @Override
        public void rangeStream(RangeRequest req, StreamObserver<RangeStreamResponse> out) {
          streamer.serve(req, out);
        }
      };
      Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
          .addService(ServerInterceptors.intercept(service, counter)).build().start();
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext()
          // a fixed window (no BDP growth), so how much the transport itself can hold is known: 1 MiB
          .flowControlWindow(1 << 20).maxInboundMessageSize(64 << 20).build();
      try {
        AtomicInteger received = new AtomicInteger();
        AtomicLong values = new AtomicLong();
        AtomicLong finalCount = new AtomicLong(-1);
        AtomicReference<ClientCallStreamObserver<RangeRequest>> call = new AtomicReference<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        KVGrpc.newStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS).rangeStream(
            RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("big/"))
                .setRangeEnd(ByteString.copyFromUtf8("big0")).build(),
            new ClientResponseObserver<RangeRequest, RangeStreamResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<RangeRequest> requestStream) {
                call.set(requestStream);
                requestStream.disableAutoRequestWithInitial(1);
              }

              @Override
              public void onNext(RangeStreamResponse m) {
                received.incrementAndGet();
                values.addAndGet(m.getRangeResponse().getKvsCount());
                if (m.getRangeResponse().hasHeader()) {
                  finalCount.set(m.getRangeResponse().getCount());
                }
              }

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                done.complete(null);
              }
            });
        await().atMost(Duration.ofSeconds(30)).until(() -> received.get() == 1);
        // unrequested, the server may fill the transport's windows and its own small buffer, no more: the chunks are
        // 10, 5, then 2 MiB each, so three of them already exceed what the 1 MiB windows hold
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> counter.sent.get() <= 3);
        assertThat(received.get()).isEqualTo(1);

        call.get().request(Integer.MAX_VALUE);
        done.get(60, TimeUnit.SECONDS);
        assertThat(values.get()).isEqualTo(VALUES);
        assertThat(finalCount.get()).isEqualTo(VALUES);
        assertThat(counter.sent.get()).isEqualTo(received.get()).isEqualTo(2 + (VALUES - 15 + 1) / 2);
        assertThat(barriers.get()).as("one linearizable read for the whole stream").isEqualTo(1);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      reads.shutdownNow();
    }
  }

  /** A single member's fixed identity for the headers. */
  static final class FixedMember implements MemberState {
    @Override
    public long clusterId() {
      return 1;
    }

    @Override
    public long memberId() {
      return 2;
    }

    @Override
    public long raftTerm() {
      return 3;
    }

    @Override
    public long leaderId() {
      return 2;
    }

    @Override
    public long raftIndex() {
      return 0;
    }

    @Override
    public long appliedIndex() {
      return 0;
    }
  }
}
