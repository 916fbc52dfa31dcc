package io.cairn.server.peer;

import io.cairn.proto.raftpb.Message;
import io.cairn.proto.serverpb.PeerGrpc;
import io.cairn.proto.serverpb.SendAck;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.net.URI;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound stream to one peer: one long-lived gRPC stream, reopened by this link's own thread after a failure.
 *
 * <p>The raft thread never blocks here. When the stream is open and has room and nothing is waiting before it, the
 * raft thread writes the message to the stream itself (gRPC only serializes it and hands it to the transport's event
 * loop): a message on the latency path then costs no wake-up of another thread. Otherwise it goes to a bounded queue
 * that the link's thread drains in order once the stream has room. A full queue or a broken stream reports the peer
 * unreachable so Raft probes it instead of piling up.
 *
 * <p>Order: a message is written directly only while {@link #unsent} is 0, i.e. when every queued message has been
 * written; queued messages are counted before they are queued and uncounted only after they were written (or dropped).
 * The raft thread is the only producer, so a direct write never overtakes a queued message.
 */
final class PeerLink implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);
  static final int QUEUE = 4096;
  /**
   * Bytes the stream may buffer before it stops being ready. gRPC's default, 32 KiB, is less than one MsgApp under a
   * heavy load, which would send most messages through the queue and its thread; the queue still bounds the total.
   */
  private static final int READY_BYTES = 4 << 20;

  private final long peerId;
  private final URI url;
  private final ManagedChannel channel;
  private final ArrayBlockingQueue<Message> queue = new ArrayBlockingQueue<>(QUEUE);
  private final LongConsumer unreachable;
  private final Thread sender;
  private volatile boolean running = true;
  private volatile boolean broken = true;
  /** The open stream, null while (re)opening; replaced only by the link's thread. */
  private volatile ClientCallStreamObserver<Message> stream;
  /** Messages queued and not yet written or dropped (see the class comment). */
  private final AtomicInteger unsent = new AtomicInteger();
  /** Messages the raft thread wrote itself (it is the only writer of this field). */
  private volatile long directWrites;

  private final Runnable removedFromCluster;
  private final io.cairn.server.metrics.MemberEvents events;

  /** @param removedFromCluster told when the peer refuses this member's traffic because the cluster removed it */
  PeerLink(long peerId, URI url, PeerChannels channels, LongConsumer unreachable, long clusterId,
      Runnable removedFromCluster, io.cairn.server.metrics.MemberEvents events) {
    this.events = events;
    this.removedFromCluster = removedFromCluster;
    this.peerId = peerId;
    this.url = url;
    this.unreachable = unreachable;
    this.channel = channels.open(url, ClusterIdCheck.stamp(clusterId));
    this.sender = new Thread(this::run, "cairn-peer-" + Long.toHexString(peerId));
    this.sender.setDaemon(true);
    this.sender.start();
  }

  URI url() {
    return url;
  }

  ManagedChannel channel() {
    return channel;
  }

  /** From the raft thread: never blocks. */
  void offer(Message m) {
    if (PeerFaults.dropTo(peerId)) {
      return; // a fault campaign's partition: lost on the wire
    }
    ClientCallStreamObserver<Message> s = stream;
    if (unsent.get() == 0 && s != null && !broken && s.isReady() && PeerFaults.delayToMs(peerId) == 0) {
      write(s, m); // on failure the link's thread reopens the stream and Raft resends what matters
      directWrites++;
      return;
    }
    unsent.incrementAndGet();
    if (!queue.offer(m)) {
      unsent.decrementAndGet();
      events.peerSendFailed(peerId);
      if (m.getType() == io.cairn.proto.raftpb.MessageType.MSG_HEARTBEAT) {
        events.heartbeatSendFailed();
      }
      unreachable.accept(peerId);
    }
  }

  long directWrites() {
    return directWrites;
  }

  /** gRPC's stream takes one writer at a time: the raft thread's direct writes and the queue's drain take turns. */
  private boolean write(ClientCallStreamObserver<Message> s, Message m) {
    try {
      synchronized (this) {
        s.onNext(m);
      }
      events.peerSent(peerId, m.getSerializedSize());
      return true;
    } catch (RuntimeException e) {
      if (stream == s) {
        broken = true; // the raft thread may still hold a stream the link already replaced: not the new one's failure
      }
      return false;
    }
  }

  private void run() {
    while (running) {
      // a peer that was down for a while must not be left waiting out gRPC's growing reconnect backoff
      channel.resetConnectBackoff();
      ClientCallStreamObserver<Message> s = open();
      stream = s;
      try {
        drain(s);
      } catch (InterruptedException e) {
        return;
      }
      stream = null;
      try {
        s.cancel("reopening", null);
      } catch (RuntimeException ignored) {
        // already closed
      }
      if (running) {
        events.peerSendFailed(peerId);
        unreachable.accept(peerId);
        dropQueued(); // raft re-sends what matters once the peer is reachable again
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /** Writes queued messages in order until the stream breaks or the link closes. */
  private void drain(ClientCallStreamObserver<Message> s) throws InterruptedException {
    while (running && !broken) {
      Message m = queue.poll(100, TimeUnit.MILLISECONDS);
      if (m == null) {
        continue;
      }
      try {
        // bounded by the transport's own flow control: wait (briefly) for room rather than buffer without limit
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        while (!s.isReady() && !broken && System.nanoTime() < deadline) {
          Thread.sleep(1);
        }
        if (!s.isReady()) {
          broken = true;
          return;
        }
        long delay = PeerFaults.delayToMs(peerId);
        if (delay > 0) {
          Thread.sleep(delay); // a fault campaign's slow link
        }
        if (!write(s, m)) {
          return;
        }
      } finally {
        unsent.decrementAndGet();
      }
    }
  }

  private void dropQueued() {
    while (queue.poll() != null) {
      unsent.decrementAndGet();
    }
  }

  @SuppressWarnings("unchecked")
  private ClientCallStreamObserver<Message> open() {
    broken = false;
    ClientCallStreamObserver<Message>[] out = new ClientCallStreamObserver[1];
    PeerGrpc.newStub(channel).withOnReadyThreshold(READY_BYTES).send(new ClientResponseObserver<Message, SendAck>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<Message> requestStream) {
        out[0] = requestStream;
      }

      @Override
      public void onNext(SendAck value) { }

      @Override
      public void onError(Throwable t) {
        if (running && String.valueOf(t.getMessage()).contains(io.cairn.server.api.EtcdErrors.MEMBER_REMOVED)) {
          LOG.error("peer {} says this member was removed from the cluster", Long.toHexString(peerId));
          removedFromCluster.run();
        } else if (running && String.valueOf(t.getMessage()).contains(ClusterIdCheck.MISMATCH)) {
          LOG.error("peer {} belongs to another cluster: {}", Long.toHexString(peerId), t.getMessage());
        } else if (!broken && running) {
          // the cause says why (a refused certificate, say); the status alone only says "io exception"
          LOG.debug("stream to peer {} failed: {} ({})", Long.toHexString(peerId), t.getMessage(),
              t.getCause() == null ? "" : t.getCause().toString());
        }
        broken = true;
      }

      @Override
      public void onCompleted() {
        broken = true;
      }
    });
    return out[0];
  }

  @Override
  public void close() {
    running = false;
    sender.interrupt();
    try {
      sender.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    channel.shutdownNow();
  }
}
