package io.cairn.server.robustness;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.WatchCreateRequest;
import io.cairn.proto.etcdserverpb.WatchGrpc;
import io.cairn.proto.etcdserverpb.WatchProgressRequest;
import io.cairn.proto.etcdserverpb.WatchRequest;
import io.cairn.proto.etcdserverpb.WatchResponse;
import io.cairn.proto.mvccpb.Event;
import io.cairn.proto.mvccpb.KeyValue;
import io.cairn.server.robustness.History.KV;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A prefix watch on the raw gRPC stream that resumes as etcd's clientv3 does when its stream breaks: on the next
 * member, from the revision after the last event it delivered. (jetcd 0.8.7 resumes from the created response's
 * header revision instead, which skips the events of a watch from a past revision that had not caught up yet.)
 * Each resumption is a new stream from exactly where the last left off, so the recording checks resumability too.
 */
final class ResumingWatch implements AutoCloseable {
  private final List<String> endpoints;
  private final ByteString key;
  private final ByteString end;
  private final WatchRecording recording;
  private final List<String> errors;
  private final ScheduledExecutorService retry;
  private volatile boolean closed;
  private volatile StreamObserver<WatchRequest> requests;
  private volatile ManagedChannel channel;
  private long next;
  private int endpoint;

  ResumingWatch(List<String> endpoints, String prefix, WatchRecording recording, List<String> errors,
      ScheduledExecutorService retry) {
    this.endpoints = endpoints;
    this.key = ByteString.copyFromUtf8(prefix);
    this.end = ByteString.copyFromUtf8(prefix.substring(0, prefix.length() - 1)
        + (char) (prefix.charAt(prefix.length() - 1) + 1));
    this.recording = recording;
    this.errors = errors;
    this.retry = retry;
    this.next = recording.startRevision;
  }

  synchronized void start() {
    if (closed) return;
    URI u = URI.create(endpoints.get(endpoint++ % endpoints.size()));
    ManagedChannel ch = ManagedChannelBuilder.forAddress(u.getHost(), u.getPort()).usePlaintext().build();
    channel = ch;
    StreamObserver<WatchRequest> out = WatchGrpc.newStub(ch).watch(new StreamObserver<>() {
      @Override
      public void onNext(WatchResponse r) {
        received(r);
      }

      @Override
      public void onError(Throwable t) {
        broken(ch);
      }

      @Override
      public void onCompleted() {
        broken(ch);
      }
    });
    requests = out;
    out.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(key)
        .setRangeEnd(end).setStartRevision(next).setPrevKv(true)).build());
  }

  private synchronized void received(WatchResponse r) {
    if (r.getCanceled()) {
      errors.add(recording.name + ": canceled at revision " + next + ": " + r.getCancelReason());
      closed = true;
      return;
    }
    if (r.getCreated()) {
      return;
    }
    if (r.getEventsCount() == 0) {
      recording.bookmarks.add(new WatchValidator.Bookmark(recording.responses.size(), r.getHeader().getRevision()));
      return;
    }
    List<WatchValidator.Event> events = new ArrayList<>();
    for (Event e : r.getEventsList()) {
      events.add(new WatchValidator.Event(e.getType() == Event.EventType.DELETE ? WatchValidator.Type.DELETE
          : WatchValidator.Type.PUT, kv(e.getKv()), e.hasPrevKv() ? kv(e.getPrevKv()) : null));
    }
    recording.responses.add(events);
    next = r.getEvents(r.getEventsCount() - 1).getKv().getModRevision() + 1;
  }

  /** The member went away (killed, stopped, partitioned): resume on the next one, a little later. */
  private void broken(ManagedChannel ch) {
    ch.shutdownNow();
    if (!closed) {
      retry.schedule(this::start, 200, TimeUnit.MILLISECONDS);
    }
  }

  void requestProgress() {
    StreamObserver<WatchRequest> out = requests;
    if (out == null) return;
    try {
      synchronized (this) {
        out.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
      }
    } catch (RuntimeException streamGone) {
      // resumed shortly
    }
  }

  private static KV kv(KeyValue k) {
    return new KV(k.getKey().toString(StandardCharsets.UTF_8), k.getValue().toString(StandardCharsets.UTF_8),
        k.getModRevision(), k.getCreateRevision(), k.getVersion(), k.getLease());
  }

  @Override
  public void close() {
    closed = true;
    ManagedChannel ch = channel;
    if (ch != null) ch.shutdownNow();
  }
}
