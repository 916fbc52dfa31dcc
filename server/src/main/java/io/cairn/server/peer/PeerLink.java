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
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound stream to one peer. The raft thread only offers messages to a bounded queue (never
 * blocks); a sender thread writes them to one long-lived gRPC stream, reopening it after a failure.
 * A full queue or a broken stream reports the peer unreachable so Raft probes it instead of piling up.
 */
final class PeerLink implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);
  static final int QUEUE = 4096;

  private final long peerId;
  private final URI url;
  private final ManagedChannel channel;
  private final ArrayBlockingQueue<Message> queue = new ArrayBlockingQueue<>(QUEUE);
  private final LongConsumer unreachable;
  private final Thread sender;
  private volatile boolean running = true;
  private volatile boolean broken = true;

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
    if (!queue.offer(m)) {
      events.peerSendFailed(peerId);
      if (m.getType() == io.cairn.proto.raftpb.MessageType.MSG_HEARTBEAT) {
        events.heartbeatSendFailed();
      }
      unreachable.accept(peerId);
    }
  }

  private void run() {
    while (running) {
      // a peer that was down for a while must not be left waiting out gRPC's growing reconnect backoff
      channel.resetConnectBackoff();
      ClientCallStreamObserver<Message> stream = open();
      try {
        while (running && !broken) {
          Message m = queue.poll(100, TimeUnit.MILLISECONDS);
          if (m == null) {
            continue;
          }
          // bounded by the transport's own flow control: wait (briefly) for room rather than buffer without limit
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
          while (!stream.isReady() && !broken && System.nanoTime() < deadline) {
            Thread.sleep(1);
          }
          if (!stream.isReady()) {
            broken = true;
            break;
          }
          long delay = PeerFaults.delayToMs(peerId);
          if (delay > 0) {
            Thread.sleep(delay); // a fault campaign's slow link
          }
          stream.onNext(m);
          events.peerSent(peerId, m.getSerializedSize());
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        broken = true;
      }
      try {
        stream.cancel("reopening", null);
      } catch (RuntimeException ignored) {
        // already closed
      }
      if (running) {
        events.peerSendFailed(peerId);
        unreachable.accept(peerId);
        queue.clear(); // raft re-sends what matters once the peer is reachable again
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  private ClientCallStreamObserver<Message> open() {
    broken = false;
    ClientCallStreamObserver<Message>[] out = new ClientCallStreamObserver[1];
    PeerGrpc.newStub(channel).send(new ClientResponseObserver<Message, SendAck>() {
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
