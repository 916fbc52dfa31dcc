package io.cairn.server.peer;

import io.cairn.proto.raftpb.Message;
import io.cairn.proto.raftpb.MessageType;
import io.cairn.proto.serverpb.AttributesRequest;
import io.cairn.proto.serverpb.MemberAttributes;
import io.cairn.proto.serverpb.PeerGrpc;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/** Sends Raft messages to the other members, one {@link PeerLink} each. */
public final class PeerTransport implements AutoCloseable {
  private final Map<Long, PeerLink> links = new java.util.concurrent.ConcurrentHashMap<>();
  private final LongConsumer unreachable;
  private final long clusterId;
  private final SnapshotSender.Checkpointer checkpointer;
  private final SnapshotSender.Outcome snapshotOutcome;
  /** Snapshots on their way, by peer: at most one each. */
  private final Map<Long, SnapshotSender> sendingSnapshot = new java.util.concurrent.ConcurrentHashMap<>();
  private final Runnable removedFromCluster;
  private final PeerChannels channels;
  private final io.cairn.server.metrics.MemberEvents events;

  /**
   * @param peers the other members' ids and peer URLs
   * @param channels opens the (TLS for https) channel to each
   * @param unreachable told (on any thread) when a peer's queue is full or its stream broke
   * @param checkpointer makes a store checkpoint to send to a follower that fell behind
   * @param snapshotOutcome told whether a snapshot was installed (Raft's ReportSnapshot)
   */
  public PeerTransport(long clusterId, Map<Long, URI> peers, PeerChannels channels, LongConsumer unreachable,
      SnapshotSender.Checkpointer checkpointer, SnapshotSender.Outcome snapshotOutcome, Runnable removedFromCluster,
      io.cairn.server.metrics.MemberEvents events) {
    this.events = events;
    this.clusterId = clusterId;
    this.channels = channels;
    this.unreachable = unreachable;
    this.removedFromCluster = removedFromCluster;
    peers.forEach((id, url) -> links.put(id, new PeerLink(id, url, channels, unreachable, clusterId, removedFromCluster, events)));
    this.checkpointer = checkpointer;
    this.snapshotOutcome = snapshotOutcome;
  }

  /** From the raft thread: queue every message for its peer, never blocking. */
  public void send(List<Message> messages) {
    for (Message m : messages) {
      PeerLink link = links.get(m.getTo());
      if (link == null) {
        continue;
      }
      if (m.getType() == MessageType.MSG_SNAP) {
        // Raft's snapshot carries only metadata; the data is a checkpoint of the store, streamed
        // on its own thread so this (raft) thread never waits for it.
        SnapshotSender sender = new SnapshotSender(m.getTo(), link.channel(), m, checkpointer, (peer, ok) -> {
          sendingSnapshot.remove(peer);
          snapshotOutcome.done(peer, ok);
        });
        if (sendingSnapshot.putIfAbsent(m.getTo(), sender) == null) {
          Thread t = new Thread(sender, "cairn-snapshot-" + Long.toHexString(m.getTo()));
          t.setDaemon(true);
          t.start();
        }
        continue;
      }
      link.offer(m);
    }
  }

  /**
   * Follows the applied membership: links to members added since, none to members removed, a new
   * link when a member's peer URL changed.
   */
  public synchronized void sync(List<io.cairn.proto.serverpb.MemberRecord> members, long selfId) {
    java.util.Set<Long> wanted = new java.util.HashSet<>();
    for (io.cairn.proto.serverpb.MemberRecord r : members) {
      if (r.getId() == selfId || r.getPeerUrlsCount() == 0) {
        continue;
      }
      wanted.add(r.getId());
      URI url = URI.create(r.getPeerUrls(0));
      PeerLink cur = links.get(r.getId());
      if (cur == null || !cur.url().equals(url)) {
        if (cur != null) {
          closeLater(cur);
        }
        links.put(r.getId(), new PeerLink(r.getId(), url, channels, unreachable, clusterId, removedFromCluster, events));
      }
    }
    for (Long id : new java.util.ArrayList<>(links.keySet())) {
      if (!wanted.contains(id) && !members.isEmpty()) {
        closeLater(links.remove(id));
      }
    }
  }

  /** sync runs on the apply thread: stopping a link joins its sender thread, so do it off that thread. */
  private static void closeLater(PeerLink link) {
    Thread t = new Thread(link::close, "cairn-peer-close");
    t.setDaemon(true);
    t.start();
  }

  /** From the raft thread when this member stops leading: snapshots it sent as leader are cancelled. */
  public void cancelSnapshots() {
    sendingSnapshot.values().forEach(SnapshotSender::cancel);
  }

  /** How many peers this member has a connection to now. */
  public int connectedPeers() {
    int n = 0;
    for (PeerLink link : links.values()) {
      if (link.channel().getState(false) == io.grpc.ConnectivityState.READY) {
        n++;
      }
    }
    return n;
  }

  public boolean knows(long peerId) {
    return links.containsKey(peerId);
  }

  /** The channel to each peer, by id (for the round-trip probes). */
  public Map<Long, io.grpc.ManagedChannel> channels() {
    Map<Long, io.grpc.ManagedChannel> out = new HashMap<>();
    links.forEach((id, link) -> out.put(id, link.channel()));
    return out;
  }

  /** Asks a peer for its name and client URLs; null if it does not answer quickly. */
  public MemberAttributes attributes(long peerId) {
    PeerLink link = links.get(peerId);
    if (link == null) {
      return null;
    }
    try {
      return PeerGrpc.newBlockingStub(link.channel()).withDeadlineAfter(500, TimeUnit.MILLISECONDS)
          .attributes(AttributesRequest.getDefaultInstance());
    } catch (RuntimeException e) {
      return null;
    }
  }

  @Override
  public void close() {
    links.values().forEach(PeerLink::close);
  }
}
