package io.cairn.raft;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.Message;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Leader-side bookkeeping of ReadIndex requests awaiting heartbeat confirmation. Requests are
 * queued in arrival order, keyed by their context. A heartbeat round carries the newest context;
 * a quorum of acks for it confirms that request and every request queued before it.
 */
final class ReadOnly {
  /** One pending read: the request, the commit index when it arrived, and the acks so far. */
  static final class Status {
    final Message req;
    final long index;
    final Map<Long, Boolean> acks = new HashMap<>();

    Status(Message req, long index) {
      this.req = req;
      this.index = index;
    }
  }

  final ReadOnlyOption option;
  // Insertion order is the queue order.
  private final LinkedHashMap<ByteString, Status> pending = new LinkedHashMap<>();

  ReadOnly(ReadOnlyOption option) {
    this.option = option;
  }

  /** Queues a request read at {@code index}; a context already queued is ignored. */
  void addRequest(long index, Message m) {
    ByteString ctx = m.getEntries(0).getData();
    pending.putIfAbsent(ctx, new Status(m, index));
  }

  /** Records an ack for ctx; returns the acks so far, or null if ctx is not pending. */
  Map<Long, Boolean> recvAck(long id, ByteString ctx) {
    Status s = pending.get(ctx);
    if (s == null) {
      return null;
    }
    s.acks.put(id, true);
    return s.acks;
  }

  /** Removes and returns ctx and every request queued before it (all are now confirmed). */
  List<Status> advance(ByteString ctx) {
    if (!pending.containsKey(ctx)) {
      return List.of();
    }
    List<Status> out = new ArrayList<>();
    var it = pending.entrySet().iterator();
    while (it.hasNext()) {
      var e = it.next();
      out.add(e.getValue());
      it.remove();
      if (e.getKey().equals(ctx)) {
        break;
      }
    }
    return out;
  }

  /** The context of the newest pending request, or null. */
  ByteString lastPendingRequestCtx() {
    ByteString last = null;
    for (ByteString k : pending.keySet()) {
      last = k;
    }
    return last;
  }

  int size() {
    return pending.size();
  }
}
