package io.cairn.server.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.PutResponse;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.server.api.EtcdErrors;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Handlers named to run on the event loop do, every other runs on the pool; a full read pool refuses. */
class CallExecutorsTest {
  @Test
  void namedMethodsRunOnTheTransportsEventLoopAndTheRestOnThePool() throws Exception {
    AtomicReference<Thread> putThread = new AtomicReference<>();
    AtomicReference<Thread> rangeThread = new AtomicReference<>();
    KVGrpc.KVImplBase kv = new KVGrpc.KVImplBase() {
      @Override
      public void put(PutRequest req, StreamObserver<PutResponse> out) {
        putThread.set(Thread.currentThread());
        out.onNext(PutResponse.getDefaultInstance());
        out.onCompleted();
      }

      @Override
      public void range(RangeRequest req, StreamObserver<RangeResponse> out) {
        rangeThread.set(Thread.currentThread());
        out.onNext(RangeResponse.getDefaultInstance());
        out.onCompleted();
      }
    };
    try (CallExecutors executors = new CallExecutors("test-pool", Set.of("etcdserverpb.KV/Put"))) {
      Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).directExecutor()
          .callExecutor(executors).addService(kv).build().start();
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
      try {
        KVGrpc.newBlockingStub(ch).put(PutRequest.getDefaultInstance());
        KVGrpc.newBlockingStub(ch).range(RangeRequest.getDefaultInstance());
      } finally {
        ch.shutdownNow();
        server.shutdownNow();
      }
      // Netty's event loop threads are FastThreadLocalThreads; the pool's carry its name
      assertThat(putThread.get()).isInstanceOf(io.netty.util.concurrent.FastThreadLocalThread.class);
      assertThat(rangeThread.get().getName()).startsWith("test-pool-");
    }
  }

  @Test
  void aFullReadPoolRefusesWithEtcdsTooManyRequests() throws Exception {
    ReadPool pool = new ReadPool(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      pool.execute(() -> {
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      for (int i = 0; i < ReadPool.QUEUE; i++) {
        pool.execute(() -> { });
      }
      assertThatThrownBy(() -> pool.execute(() -> { })).isInstanceOf(RejectedExecutionException.class)
          .satisfies(e -> {
            Status s = EtcdErrors.toStatus(e).getStatus();
            assertThat(s.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(s.getDescription()).isEqualTo("etcdserver: too many requests");
          });
    } finally {
      release.countDown();
      pool.close();
    }
  }
}
