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
  private final Map<Long, PeerLink> links = new HashMap<>();
  private final LongConsumer snapshotUnsupported;

  /**
   * @param peers the other members' ids and peer URLs
   * @param unreachable told (on any thread) when a peer's queue is full or its stream broke
   * @param snapshotUnsupported told when Raft wants to send a snapshot (not streamed yet)
   */
  public PeerTransport(Map<Long, URI> peers, LongConsumer unreachable, LongConsumer snapshotUnsupported) {
    peers.forEach((id, url) -> links.put(id, new PeerLink(id, url, unreachable)));
    this.snapshotUnsupported = snapshotUnsupported;
  }

  /** From the raft thread: queue every message for its peer, never blocking. */
  public void send(List<Message> messages) {
    for (Message m : messages) {
      PeerLink link = links.get(m.getTo());
      if (link == null) {
        continue;
      }
      if (m.getType() == MessageType.MSG_SNAP) {
        // Snapshot streaming (a store checkpoint) is not built yet: fail it so Raft keeps probing
        // instead of the follower installing a snapshot without its data.
        snapshotUnsupported.accept(m.getTo());
        continue;
      }
      link.offer(m);
    }
  }

  public boolean knows(long peerId) {
    return links.containsKey(peerId);
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
