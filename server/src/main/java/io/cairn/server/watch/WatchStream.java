package io.cairn.server.watch;

import io.cairn.proto.etcdserverpb.ResponseHeader;
import io.cairn.proto.etcdserverpb.WatchCreateRequest;
import io.cairn.proto.etcdserverpb.WatchResponse;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One client's Watch stream: its watchers (in creation order), the id allocator and a pending
 * progress request. Every method runs on the hub thread, which is also the only sender, so
 * responses leave in the order requests arrived (clientv3 matches creates to responses in FIFO).
 */
final class WatchStream {
  static final String RANGE_EMPTY = "mvcc: watcher range is empty";
  static final String DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";
  static final String COMPACTED = io.cairn.server.api.EtcdErrors.COMPACTED;

  private final ServerCallStreamObserver<WatchResponse> out;
  final Map<Long, Watcher> watchers = new LinkedHashMap<>();
  private long nextAutoId;
  /** A WatchProgressRequest arrived while some watcher was catching up: answer once all are synced. */
  boolean progressPending;
  boolean closed;
  /** Opened with {@code hasleader: true}: ended when the member stays without a leader. */
  final boolean requireLeader;

  WatchStream(ServerCallStreamObserver<WatchResponse> out, boolean requireLeader) {
    this.out = out;
    this.requireLeader = requireLeader;
  }

  boolean ready() {
    return !closed && out.isReady();
  }

  void create(WatchCreateRequest req, ResponseHeader header, long currentRev) {
    WatchRange range = WatchRange.of(req.getKey(), req.getRangeEnd());
    if (range == null) {
      refuse(header, RANGE_EMPTY);
      return;
    }
    if (req.getStartRevision() < 0) {
      refuse(header, COMPACTED);
      return;
    }
    long id = req.getWatchId();
    if (id != 0 && watchers.containsKey(id)) {
      refuse(header, DUPLICATE_ID);
      return;
    }
    if (id == 0) {
      // etcd: watch_id 0 asks the server to choose; it skips ids the client already took
      while (watchers.containsKey(nextAutoId)) {
        nextAutoId++;
      }
      id = nextAutoId++;
    }
    boolean noPut = false;
    boolean noDelete = false;
    for (WatchCreateRequest.FilterType f : req.getFiltersList()) {
      noPut |= f == WatchCreateRequest.FilterType.NOPUT;
      noDelete |= f == WatchCreateRequest.FilterType.NODELETE;
    }
    long start = req.getStartRevision() == 0 ? currentRev + 1 : req.getStartRevision();
    watchers.put(id, new Watcher(id, range, req.getStartRevision(), start, req.getPrevKv(), noPut, noDelete,
        req.getProgressNotify(), req.getFragment()));
    send(WatchResponse.newBuilder().setHeader(header).setWatchId(id).setCreated(true).build());
  }

  void refuse(ResponseHeader header, String reason) {
    send(WatchResponse.newBuilder().setHeader(header).setWatchId(-1).setCreated(true).setCanceled(true)
        .setCancelReason(reason).build());
  }

  /** etcd answers a cancel of a live watcher and ignores unknown ids. */
  void cancel(long id, ResponseHeader header) {
    if (watchers.remove(id) != null) {
      send(WatchResponse.newBuilder().setHeader(header).setWatchId(id).setCanceled(true).build());
    }
  }

  /** Whether every watcher may be told of progress at {@code currentRev} ({@link Watcher#progressDue}). */
  boolean progressDueForAll(long currentRev) {
    for (Watcher w : watchers.values()) {
      if (!w.progressDue(currentRev)) {
        return false;
      }
    }
    return true;
  }

  /** Answers a pending progress request (watch id -1) once progress is due for every watcher. */
  void maybeSendProgress(ResponseHeader header, long currentRev) {
    if (progressPending && progressDueForAll(currentRev)) {
      progressPending = false;
      if (!watchers.isEmpty()) {
        send(WatchResponse.newBuilder().setHeader(header).setWatchId(-1).build());
      }
    }
  }

  /** Periodic progress_notify: synced watchers that asked for it and got no events since the last tick. */
  void progressTick(ResponseHeader header, long currentRev) {
    for (Watcher w : watchers.values()) {
      if (w.progressNotify && !w.sentSinceTick && w.progressDue(currentRev)) {
        send(WatchResponse.newBuilder().setHeader(header).setWatchId(w.id).build());
      }
      w.sentSinceTick = false;
    }
  }

  List<Watcher> snapshot() {
    return new ArrayList<>(watchers.values());
  }

  /** Ends the stream with {@code status} (the member is stopping: clients resume their watches elsewhere). */
  void end(io.grpc.Status status) {
    if (closed) {
      return;
    }
    closed = true;
    try {
      out.onError(status.asRuntimeException());
    } catch (RuntimeException alreadyGone) {
      // the call ended meanwhile
    }
  }

  void send(WatchResponse r) {
    if (closed) {
      return;
    }
    io.cairn.storage.failpoint.Failpoints.hit(io.cairn.storage.failpoint.Failpoints.Point.watchBeforeSend);
    try {
      out.onNext(r);
    } catch (RuntimeException e) {
      // the call was cancelled under us; the cancel handler removes the stream
      closed = true;
    }
  }
}
