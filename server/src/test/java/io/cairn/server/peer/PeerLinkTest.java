package io.cairn.server.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.raftpb.Message;
import io.cairn.proto.raftpb.MessageType;
import io.cairn.proto.serverpb.MemberAttributes;
import io.cairn.proto.serverpb.Membership;
import io.cairn.server.metrics.MemberEvents;
import com.google.protobuf.ByteString;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The raft thread writes to a peer's stream itself when it can and queues otherwise: whatever mix of the two a load
 * produces, the peer receives every message once, in the order offered.
 */
class PeerLinkTest {
  private static final long CLUSTER = 0x1234L;
  private static final long PEER = 2;

  @TempDir
  Path dir;

  @Test
  void everyMessageArrivesOnceAndInOrderWhetherWrittenDirectlyOrQueued() throws Exception {
    long seed = Long.getLong("cairn.peerlink.seed", System.nanoTime());
    System.out.println("PeerLinkTest seed " + seed + " (replay: -Dcairn.peerlink.seed=" + seed + ")");
    Random random = new Random(seed);
    List<Long> received = Collections.synchronizedList(new ArrayList<>());
    int port = freePort();
    // while a burst is offered the receiver holds its first message: the stream's window and buffer then fill for
    // certain, however fast this machine drains a socket, and the queue must take over
    AtomicReference<CountDownLatch> hold = new AtomicReference<>(new CountDownLatch(0));
    PeerService service = new PeerService(m -> {
      awaitUninterruptibly(hold.get());
      received.add(m.getIndex());
    }, MemberAttributes::getDefaultInstance,
        Membership::getDefaultInstance, dir, (m, c) -> CompletableFuture.completedFuture(null),
        id -> false);
    URI url = URI.create("http://127.0.0.1:" + port);
    AtomicInteger unreachable = new AtomicInteger();
    try (PeerListener listener = new PeerListener(List.of(url), service, new ClusterIdCheck(CLUSTER), null)) {
      listener.start();
      try (PeerLink link = new PeerLink(PEER, url, PeerChannels.PLAINTEXT, id -> unreachable.incrementAndGet(),
          CLUSTER, () -> { }, MemberEvents.NONE)) {
        // 1. offered before the stream is open: these wait in the queue, and everything after them must too
        long[] index = {0};
        for (int i = 0; i < 20; i++) {
          link.offer(message(++index[0], 0));
        }
        // 2. a trickle until the queue has drained and the offering thread writes to the stream itself
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (link.directWrites() == 0 && System.nanoTime() < until) {
          link.offer(message(++index[0], random.nextInt(300)));
          LockSupport.parkNanos(1_000_000);
        }
        assertThat(link.directWrites()).as("messages the offering thread wrote itself").isPositive();
        // 3. bursts of large messages (150-250 KB, as a MsgApp of many entries) mixed with small ones: more than the
        // stream buffers before it stops being ready, so the queue takes over and hands back, several times
        for (int burst = 0; burst < 5; burst++) {
          long directBefore = link.directWrites();
          CountDownLatch gate = new CountDownLatch(1);
          hold.set(gate);
          try {
            for (int i = 0; i < 60; i++) {
              link.offer(message(++index[0], random.nextInt(4) > 0 ? 150_000 + random.nextInt(100_000) : random.nextInt(300)));
            }
          } finally {
            gate.countDown(); // well within the second the link waits for a stream that is not ready
          }
          assertThat(link.directWrites() - directBefore).as("seed %d: some of burst %d queued", seed, burst).isLessThan(60);
          for (int i = 0; i < 50; i++) {
            link.offer(message(++index[0], random.nextInt(300)));
            LockSupport.parkNanos(random.nextInt(2_000_000));
          }
        }
        long total = index[0];
        await().atMost(Duration.ofSeconds(30)).alias("all " + total + " received").until(() -> received.size() >= total);
        assertThat(unreachable.get()).as("seed %d", seed).isZero();
        List<Long> expected = new ArrayList<>();
        for (long i = 1; i <= total; i++) {
          expected.add(i);
        }
        assertThat(received).as("seed %d", seed).containsExactlyElementsOf(expected);
      }
    }
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        latch.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) Thread.currentThread().interrupt();
  }

  private static Message message(long index, int payload) {
    Message.Builder b = Message.newBuilder().setType(MessageType.MSG_APP).setFrom(1).setTo(PEER).setIndex(index);
    if (payload > 0) {
      b.addEntries(Entry.newBuilder().setIndex(index).setData(ByteString.copyFrom(new byte[payload])));
    }
    return b.build();
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
