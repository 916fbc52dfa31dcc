package io.cairn.server.it;

import io.cairn.proto.etcdserverpb.WatchCreateRequest;
import io.cairn.proto.etcdserverpb.WatchGrpc;
import io.cairn.proto.etcdserverpb.WatchProgressRequest;
import io.cairn.proto.etcdserverpb.WatchRequest;
import io.cairn.proto.etcdserverpb.WatchResponse;
import io.cairn.proto.mvccpb.Event;
import io.cairn.proto.mvccpb.KeyValue;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The apiserver's watch on a resource prefix (storage/etcd3/watcher.go and the reflector around it), on the raw gRPC
 * stream: Watch(prefix, prefixEnd, start_revision = RV + 1, prev_kv, progress_notify) with {@code hasleader: true}
 * metadata. Progress responses (watch id -1 for RequestProgress, its own id for the periodic ones) are bookmarks and
 * advance the resource version. When the stream breaks it resumes on the next member from the last resource version
 * + 1; when that revision is compacted it relists (paginated, at the current revision) and watches from the list's
 * revision + 1, as the reflector does after a 410. What it saw is kept per list ("segment") for the checks.
 */
final class ApiserverWatch implements AutoCloseable {
  static final Metadata.Key<String> HAS_LEADER = Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);
  private static final int MAX_RESTARTS = 200;

  /** One event as received: the kv and prev_kv as sent (prevKv null when absent). */
  record Ev(boolean delete, KeyValue kv, KeyValue prevKv) {
    long revision() {
      return kv.getModRevision();
    }

    String key() {
      return ApiserverStore.s(kv.getKey());
    }
  }

  /**
   * An empty progress response: its watch id, header revision, how many events of the segment came before, and
   * whether it is a bookmark (the resource version moved to it).
   */
  record Progress(long watchId, long revision, int eventsBefore, boolean bookmark) { }

  /** What the watch saw from one list: the list, then every event and bookmark in the order they came. */
  static final class Segment {
    final long listRevision;
    final Map<String, KeyValue> listed;
    final List<Ev> events = new CopyOnWriteArrayList<>();
    final List<Progress> progress = new CopyOnWriteArrayList<>();

    Segment(long listRevision, Map<String, KeyValue> listed) {
      this.listRevision = listRevision;
      this.listed = listed;
    }
  }

  final String name;
  final String prefix;
  final List<Segment> segments = new CopyOnWriteArrayList<>();
  /** Why each stream ended (status code and description) and every cancel, for the report. */
  final List<String> interruptions = new CopyOnWriteArrayList<>();
  /** The responses that reported a compacted start revision (ErrCompacted), as sent. */
  final List<WatchResponse> compactedResponses = new CopyOnWriteArrayList<>();
  /** Failures the checks must report (an unexpected cancel, a relist that failed too often). */
  final List<String> errors = new CopyOnWriteArrayList<>();
  private final ApiserverStore lister;
  private final List<String> endpoints;
  private final ScheduledExecutorService retry;
  private final int listLimit;
  private volatile boolean closed;
  /** Self-checks of the checks, each must fail the test: drop one event, or resume one revision early. */
  private volatile boolean skipOne = "skip".equals(System.getProperty("apiserver.mutate"));
  private final boolean resumeEarly = "repeat".equals(System.getProperty("apiserver.mutate"));
  /**
   * Whether answers to RequestProgress (watch id -1) are bookmarks. The apiserver trusts them only from etcd
   * >= 3.5.13 or 3.4.31-3.4.x: before etcd-io/etcd#15237 (issue #15220) the server answered at once with its current
   * revision, outside the order of the events on the stream, so the answer could be behind an event already sent or
   * ahead of one not yet sent.
   */
  private final boolean requestedProgressIsBookmark;
  /**
   * Whether the server holds back progress for a watch from a revision it has not reached (etcd-io/etcd#20221, fixed
   * in 3.4.38, 3.5.22 and 3.6.2). Before that, a member behind the one the stream left answered with its own, lower
   * revision: behind events the watch already had. From such a server those answers are not bookmarks; from any
   * other they are an error.
   */
  private final boolean futureProgressHeldBack;
  private int endpoint;
  private long next;
  /** The start revision the current stream asked for. */
  private long streamStart;
  private int restarts;
  private int relists;
  private Object stream;
  private StreamObserver<WatchRequest> requests;
  private ManagedChannel channel;

  /**
   * A watch from {@code listRevision} + 1 after a list that returned {@code listed}; streams go to
   * {@code endpoints} in turn starting with {@code first}; relists go through {@code lister}.
   */
  ApiserverWatch(String name, String prefix, long listRevision, Map<String, KeyValue> listed, List<String> endpoints,
      int first, ApiserverStore lister, int listLimit, ScheduledExecutorService retry,
      boolean requestedProgressIsBookmark, boolean futureProgressHeldBack) {
    this.name = name;
    this.requestedProgressIsBookmark = requestedProgressIsBookmark;
    this.futureProgressHeldBack = futureProgressHeldBack;
    this.prefix = prefix;
    this.endpoints = endpoints;
    this.endpoint = first;
    this.lister = lister;
    this.listLimit = listLimit;
    this.retry = retry;
    this.next = listRevision + 1;
    segments.add(new Segment(listRevision, new HashMap<>(listed)));
  }

  synchronized void start() {
    if (closed) {
      return;
    }
    String target = endpoints.get(endpoint % endpoints.size());
    ManagedChannel ch = ManagedChannelBuilder.forTarget(target).usePlaintext().build();
    Metadata md = new Metadata();
    md.put(HAS_LEADER, "true");
    Object token = new Object();
    stream = token;
    channel = ch;
    requests = WatchGrpc.newStub(ch).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
        .watch(new StreamObserver<>() {
          @Override
          public void onNext(WatchResponse r) {
            received(token, r);
          }

          @Override
          public void onError(Throwable t) {
            broken(token, ch, Status.fromThrowable(t).getCode() + " " + Status.fromThrowable(t).getDescription());
          }

          @Override
          public void onCompleted() {
            broken(token, ch, "completed by the server");
          }
        });
    streamStart = resumeEarly && restarts > 0 ? next - 1 : next;
    requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
        .setKey(ApiserverStore.b(prefix)).setRangeEnd(ApiserverStore.b(ApiserverStore.prefixEnd(prefix)))
        .setStartRevision(streamStart).setPrevKv(true).setProgressNotify(true)).build());
  }

  private synchronized void received(Object token, WatchResponse r) {
    if (token != stream || closed) {
      return; // a stream this watch already left
    }
    Segment seg = segments.get(segments.size() - 1);
    if (r.getCompactRevision() != 0) {
      // ErrCompacted: the apiserver answers 410 and its reflector relists
      interruptions.add("compacted at " + r.getCompactRevision() + " (resuming from " + next + ")");
      compactedResponses.add(r);
      leave(ch -> retry.execute(this::relist));
      return;
    }
    if (r.getCanceled()) {
      errors.add(name + ": canceled without compaction: " + r);
      leave(ch -> { });
      return;
    }
    if (r.getCreated()) {
      return;
    }
    if (r.getEventsCount() == 0) {
      long rev = r.getHeader().getRevision();
      boolean belowStart = rev < streamStart;
      if (belowStart && futureProgressHeldBack) {
        errors.add(name + ": progress at " + rev + " on a stream from " + streamStart + " (watch id "
            + r.getWatchId() + ")");
      }
      boolean bookmark = (r.getWatchId() != -1 || requestedProgressIsBookmark) && !belowStart;
      seg.progress.add(new Progress(r.getWatchId(), rev, seg.events.size(), bookmark));
      if (bookmark) {
        next = Math.max(next, rev + 1);
      }
      return;
    }
    for (Event e : r.getEventsList()) {
      if (skipOne && seg.events.size() == 20) {
        skipOne = false;
        continue;
      }
      seg.events.add(new Ev(e.getType() == Event.EventType.DELETE, e.getKv(), e.hasPrevKv() ? e.getPrevKv() : null));
    }
    next = Math.max(next, r.getEvents(r.getEventsCount() - 1).getKv().getModRevision() + 1);
  }

  /** Drops the current stream (its later responses are ignored) and runs {@code then}. */
  private void leave(java.util.function.Consumer<ManagedChannel> then) {
    stream = null;
    ManagedChannel ch = channel;
    ch.shutdownNow();
    then.accept(ch);
  }

  private synchronized void broken(Object token, ManagedChannel ch, String why) {
    ch.shutdownNow();
    if (token != stream || closed) {
      return;
    }
    interruptions.add("stream to " + endpoints.get(endpoint % endpoints.size()) + " ended: " + why);
    stream = null;
    if (++restarts > MAX_RESTARTS) {
      errors.add(name + ": more than " + MAX_RESTARTS + " restarts");
      return;
    }
    endpoint++;
    retry.schedule(this::start, 200, TimeUnit.MILLISECONDS);
  }

  /** After a 410: a fresh paginated list at the current revision, then a watch from its revision + 1. */
  private void relist() {
    try {
      ApiserverStore.Listed l = lister.list(prefix, listLimit);
      synchronized (this) {
        relists++;
        segments.add(new Segment(l.revision(), new HashMap<>(l.kvs())));
        next = l.revision() + 1;
      }
      start();
    } catch (RuntimeException e) {
      synchronized (this) {
        if (++relists > MAX_RESTARTS) {
          errors.add(name + ": relist keeps failing: " + e);
          return;
        }
      }
      retry.schedule(this::relist, 200, TimeUnit.MILLISECONDS);
    }
  }

  /** clientv3.RequestProgress on the current stream (a stream being re-established misses it, harmlessly). */
  void requestProgress() {
    StreamObserver<WatchRequest> out;
    synchronized (this) {
      out = stream == null ? null : requests;
      if (out == null) {
        return;
      }
      try {
        out.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
      } catch (RuntimeException streamGone) {
        // resumed shortly
      }
    }
  }

  /** The revision this watch would resume from, minus one: its resource version. */
  synchronized long resourceVersion() {
    return next - 1;
  }

  synchronized int relists() {
    return segments.size() - 1;
  }

  synchronized int resumes() {
    return restarts;
  }

  List<Ev> allEvents() {
    List<Ev> all = new ArrayList<>();
    segments.forEach(s -> all.addAll(s.events));
    return all;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (channel != null) {
      channel.shutdownNow();
    }
  }
}
