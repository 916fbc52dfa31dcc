package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.PutResponse;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 under a write load, again and again: every acknowledged put must be there after the
 * restart with the revision it was acknowledged at, and revisions never go backwards. Seeded
 * (-Dcairn.crash.seed); -Dcairn.crash.cycles sets the number of kills (CI: 20).
 */
class CrashRecoveryTest {
  @TempDir
  Path dir;

  @Test
  void acknowledgedWritesSurviveKillMinusNine() throws Exception {
    long seed = Long.getLong("cairn.crash.seed", System.nanoTime());
    int cycles = Integer.getInteger("cairn.crash.cycles", 20);
    Random rnd = new Random(seed);
    Map<String, Long> acked = new ConcurrentHashMap<>();
    AtomicLong writes = new AtomicLong();
    long lastRevision = 0;
    try (Member m = Member.cairn(dir, "--snapshot-count", "500")) {
      for (int cycle = 0; cycle < cycles; cycle++) {
        ManagedChannel ch = ManagedChannelBuilder.forTarget(m.endpoint()).usePlaintext().build();
        try {
          KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
          lastRevision = verify(kv, acked, lastRevision, seed, cycle);
          // a burst of concurrent puts; kill at a random moment within it
          KVGrpc.KVStub async = KVGrpc.newStub(ch);
          Semaphore inFlight = new Semaphore(16);
          long killAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50 + rnd.nextInt(400));
          int n = 0;
          while (System.nanoTime() < killAt && n < 5000) {
            inFlight.acquire();
            String key = "crash/" + cycle + "/" + n++;
            writes.incrementAndGet();
            async.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFromUtf8("v" + n)).build(), new StreamObserver<>() {
                  @Override
                  public void onNext(PutResponse r) {
                    acked.put(key, r.getHeader().getRevision());
                  }

                  @Override
                  public void onError(Throwable t) {
                    inFlight.release();
                  }

                  @Override
                  public void onCompleted() {
                    inFlight.release();
                  }
                });
          }
          m.kill();
        } finally {
          ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        m.startProcess();
      }
      ManagedChannel ch = ManagedChannelBuilder.forTarget(m.endpoint()).usePlaintext().build();
      try {
        verify(KVGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS), acked, lastRevision, seed, cycles);
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    assertThat(acked).as("the load must have been acknowledged at least sometimes").isNotEmpty();
  }

  private static long verify(KVGrpc.KVBlockingStub kv, Map<String, Long> acked, long lastRevision, long seed,
      int cycle) {
    String ctx = "seed " + seed + " (replay: -Dcairn.crash.seed=" + seed + "), after kill " + cycle;
    RangeResponse all = kv.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("crash/"))
        .setRangeEnd(ByteString.copyFromUtf8("crash0")).build());
    assertThat(all.getHeader().getRevision()).as("revision went backwards, " + ctx).isGreaterThanOrEqualTo(lastRevision);
    Map<String, Long> found = new java.util.HashMap<>();
    all.getKvsList().forEach(k -> found.put(k.getKey().toStringUtf8(), k.getModRevision()));
    for (Map.Entry<String, Long> e : acked.entrySet()) {
      assertThat(found.get(e.getKey())).as("acknowledged %s at revision %d, %s", e.getKey(), e.getValue(), ctx)
          .isEqualTo(e.getValue());
    }
    return all.getHeader().getRevision();
  }
}
