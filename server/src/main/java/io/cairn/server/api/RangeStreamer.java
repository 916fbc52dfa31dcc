package io.cairn.server.api;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.RangeStreamResponse;
import io.cairn.server.auth.AuthInfo;
import io.cairn.server.auth.AuthStore;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.RequestValidation;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * etcd 3.7's {@code KV.RangeStream}: the result of a Range sent in chunks that all read one revision. Each chunk is a
 * Range of its own ({@code key} = cursor, {@code limit} = chunk size, {@code revision} = pinned), so the server holds
 * one chunk at a time; the next one is read only when the call is ready (gRPC flow control), always on the reader
 * pool, never on the transport's thread.
 */
final class RangeStreamer {
  /** etcd's first chunk size; later ones double or halve towards --max-request-bytes. */
  static final long FIRST_CHUNK_KEYS = 10;
  private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});

  private final MvccStore store;
  private final Supplier<CompletableFuture<Void>> readBarrier;
  private final Headers headers;
  private final AuthStore auth;
  private final Executor reads;
  private final int maxRequestBytes;

  RangeStreamer(MvccStore store, Supplier<CompletableFuture<Void>> readBarrier, Headers headers, AuthStore auth,
      Executor reads, int maxRequestBytes) {
    this.store = store;
    this.readBarrier = readBarrier;
    this.headers = headers;
    this.auth = auth;
    this.reads = reads;
    this.maxRequestBytes = maxRequestBytes;
  }

  /** On the call's thread: validates and takes the caller here (the token is in this thread's gRPC context). */
  void serve(RangeRequest req, StreamObserver<RangeStreamResponse> out) {
    AuthInfo ai;
    try {
      validate(req);
      ai = auth.caller();
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
      return;
    }
    ServerCallStreamObserver<RangeStreamResponse> call = (ServerCallStreamObserver<RangeStreamResponse>) out;
    Stream s = new Stream(req, ai, call);
    // gRPC takes these handlers only before the handler returns
    call.setOnCancelHandler(s::cancel);
    call.setOnReadyHandler(s::resume);
    if (req.getSerializable()) {
      s.start();
      return;
    }
    // one linearizable read at the start; every chunk then reads the revision pinned by the first
    readBarrier.get().whenComplete((ok, err) -> {
      if (err != null) {
        s.fail(err);
      } else {
        s.start();
      }
    });
  }

  /** Unary Range's checks, then the two shapes RangeStream cannot serve in key order, in etcd's order. */
  static void validate(RangeRequest req) {
    RequestValidation.validateRange(req);
    RangeRequest.SortOrder order = req.getSortOrder();
    boolean keyOrder = order == RangeRequest.SortOrder.NONE
        || (order == RangeRequest.SortOrder.ASCEND && req.getSortTarget() == RangeRequest.SortTarget.KEY);
    if (!keyOrder) {
      throw EtcdErrors.unimplemented(EtcdErrors.STREAM_CUSTOM_SORT);
    }
    if (req.getMinModRevision() != 0 || req.getMaxModRevision() != 0 || req.getMinCreateRevision() != 0
        || req.getMaxCreateRevision() != 0) {
      throw EtcdErrors.unimplemented(EtcdErrors.STREAM_REVISION_FILTERS);
    }
  }

  /** etcd's adjustment: double while a chunk is under half the target size, halve above twice it, never below 1. */
  static long nextChunkLimit(long limit, long lastChunkBytes, long targetBytes) {
    if (lastChunkBytes < targetBytes / 2) {
      limit *= 2;
    } else if (lastChunkBytes > targetBytes * 2) {
      limit /= 2;
    }
    return Math.max(1, limit);
  }

  /** The first key after a chunk's last: chunks never overlap. */
  private static ByteString after(RangeResponse chunk) {
    return chunk.getKvs(chunk.getKvsCount() - 1).getKey().concat(ZERO);
  }

  /** One call's progress. Chunks are produced by at most one reader task at a time ({@link #pumping}). */
  private final class Stream {
    private final RangeRequest req;
    private final AuthInfo ai;
    private final ServerCallStreamObserver<RangeStreamResponse> call;
    private final AtomicBoolean pumping = new AtomicBoolean();
    /** The request's limit, unlimited when 0 (or negative, as etcd treats it). */
    private final long totalLimit;
    private volatile boolean started;
    private volatile boolean cancelled;
    private volatile boolean finished;
    // written and read only by the pumping task; the AtomicBoolean hand-off orders them between tasks
    private ByteString cursor;
    private long chunkLimit;
    private long sent;
    private long pinned;
    private long headerRevision;
    private boolean first = true;

    Stream(RangeRequest req, AuthInfo ai, ServerCallStreamObserver<RangeStreamResponse> call) {
      // key order is what the store gives with no sort at all; an explicit KEY+ASCEND would make it read every value
      this.req = req.toBuilder().clearSortOrder().clearSortTarget().clearLimit().clearSerializable().build();
      this.ai = ai;
      this.call = call;
      this.totalLimit = req.getLimit() > 0 ? req.getLimit() : Long.MAX_VALUE;
      this.cursor = req.getKey();
      this.chunkLimit = Math.min(FIRST_CHUNK_KEYS, totalLimit);
      this.pinned = req.getRevision();
    }

    void start() {
      started = true;
      resume();
    }

    void cancel() {
      cancelled = true;
    }

    /** Schedules chunk production on the reader pool unless a task already produces or nothing is wanted. */
    void resume() {
      if (!started || cancelled || finished || !pumping.compareAndSet(false, true)) {
        return;
      }
      try {
        reads.execute(this::pump);
      } catch (RejectedExecutionException full) {
        fail(full); // before releasing: a resume in between must find the stream finished
        pumping.set(false);
      }
    }

    private void pump() {
      try {
        while (!cancelled && !finished && call.isReady()) {
          sendNext();
        }
      } catch (RuntimeException e) {
        fail(e);
      } finally {
        pumping.set(false);
      }
      // the call may have become ready after the last isReady() but before pumping was released: its onReady
      // found a task still running and did nothing
      if (call.isReady()) {
        resume();
      }
    }

    private void sendNext() {
      if (req.getCountOnly()) {
        auth.checkRange(ai, req.getKey(), req.getRangeEnd());
        RangeResponse r = store.range(req);
        auth.checkUnchanged(ai);
        finish(RangeResponse.newBuilder().setHeader(headers.at(r.getHeader().getRevision()))
            .setCount(r.getCount()).build());
        return;
      }
      if (first) {
        auth.checkRange(ai, req.getKey(), req.getRangeEnd()); // once, as etcd; auth changes end the stream below
      }
      // reads the chunk and one key more (for `more`), not the rest of the range
      RangeResponse r = store.rangeUncounted(req.toBuilder().setKey(cursor).setLimit(chunkLimit)
          .setRevision(pinned).build());
      // a chunk read after a permission change is one etcd would not send
      auth.checkUnchanged(ai);
      if (first) {
        first = false;
        headerRevision = r.getHeader().getRevision();
        if (pinned <= 0) {
          pinned = headerRevision;
        }
      }
      sent += r.getKvsCount();
      if (!r.getMore() || sent >= totalLimit) {
        // the unary Range's count: every key sent, and those the limit left out
        long count = sent;
        if (r.getMore()) {
          count += store.range(req.toBuilder().setKey(after(r)).setRevision(pinned).setCountOnly(true).build())
              .getCount();
          auth.checkUnchanged(ai);
        }
        finish(RangeResponse.newBuilder().addAllKvs(r.getKvsList()).setHeader(headers.at(headerRevision))
            .setMore(r.getMore()).setCount(count).build());
        return;
      }
      RangeResponse chunk = RangeResponse.newBuilder().addAllKvs(r.getKvsList()).build();
      call.onNext(RangeStreamResponse.newBuilder().setRangeResponse(chunk).build());
      cursor = after(r);
      chunkLimit = Math.min(nextChunkLimit(chunkLimit, chunk.getSerializedSize(), maxRequestBytes), totalLimit - sent);
    }

    private void finish(RangeResponse last) {
      finished = true;
      call.onNext(RangeStreamResponse.newBuilder().setRangeResponse(last).build());
      call.onCompleted();
    }

    void fail(Throwable t) {
      if (finished || cancelled) {
        return;
      }
      finished = true;
      call.onError(EtcdErrors.toStatus(t));
    }
  }
}
