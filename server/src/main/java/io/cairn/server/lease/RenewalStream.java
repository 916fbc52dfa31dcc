package io.cairn.server.lease;

import io.cairn.proto.serverpb.LeaseRenewal;
import io.cairn.proto.serverpb.LeaseRenewed;
import io.cairn.proto.serverpb.PeerGrpc;
import io.cairn.server.api.EtcdErrors;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/**
 * A follower's renewals to one leader peer URL, all on one stream ({@code Peer.LeaseRenewals}) and matched to their
 * answers by seq. When the stream ends, every renewal still waiting fails with its error (or, if the leader is an
 * older release without the stream, is renewed again by {@code fallback}), and the owner hears it so that the next
 * renewal opens a new stream. A renewal unanswered within the timeout fails with etcd's "request timed out".
 */
final class RenewalStream implements StreamObserver<LeaseRenewed> {
  private record Waiting(long id, CompletableFuture<Long> answer, long deadline) {}

  private final Map<Long, Waiting> waiting = new ConcurrentHashMap<>();
  private final AtomicLong seq = new AtomicLong();
  private final long timeoutNanos;
  /**
   * Timeouts are found by a sweep of what waits, every fifth of the timeout (at most a second) while anything does:
   * a timer per renewal cost the follower more CPU, on the timer's own thread, than the sweep.
   */
  private final long sweepMs;
  private final AtomicBoolean sweepScheduled = new AtomicBoolean();
  private final LongSupplier nanoClock;
  private final LongFunction<CompletableFuture<Long>> fallback;
  private final Consumer<RenewalStream> ended;
  /** Sends are serialized on this object: renewals come from many client streams' threads at once. */
  private StreamObserver<LeaseRenewal> requests;
  /** Half-closed by {@link #close}: nothing more may be sent. Guarded by this. */
  private boolean closed;
  /** Set once the stream ended; renewals after that fail at once with it. */
  private volatile StatusRuntimeException failure;

  private RenewalStream(long timeoutMs, LongSupplier nanoClock, LongFunction<CompletableFuture<Long>> fallback,
      Consumer<RenewalStream> ended) {
    this.nanoClock = nanoClock;
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    this.sweepMs = Math.max(1, Math.min(1000, timeoutMs / 5));
    this.fallback = fallback;
    this.ended = ended;
  }

  /**
   * @param nanoClock the member's clock, for the renewals' deadlines
   * @param fallback renews one lease without the stream (a unary call): for a leader that does not know the stream,
   *     and for a renewal that finds the stream closed
   * @param ended told once, when the stream has ended (it failed, or closed after {@link #close})
   */
  static RenewalStream open(PeerGrpc.PeerStub leader, long timeoutMs, LongSupplier nanoClock,
      LongFunction<CompletableFuture<Long>> fallback, Consumer<RenewalStream> ended) {
    RenewalStream s = new RenewalStream(timeoutMs, nanoClock, fallback, ended);
    // opened outside the caller's context: a call started inside a client's call is cancelled with it, and this
    // stream outlives every client (etcd's benchmark opens a keep-alive stream per renewal)
    StreamObserver<LeaseRenewal> requests;
    Context previous = Context.ROOT.attach();
    try {
      requests = leader.leaseRenewals(s);
    } finally {
      Context.ROOT.detach(previous);
    }
    synchronized (s) {
      s.requests = requests;
    }
    return s;
  }

  /**
   * The leader's answer: the TTL, -1 for no such lease; fails with a StatusRuntimeException. What waits is bounded
   * by the clients' keep-alive streams, each of which has one renewal in flight at a time (LeaseService).
   */
  CompletableFuture<Long> renew(long id) {
    long n = seq.incrementAndGet();
    CompletableFuture<Long> answer = new CompletableFuture<>();
    waiting.put(n, new Waiting(id, answer, nanoClock.getAsLong() + timeoutNanos));
    // the end of the stream sets failure before it drains: either the drain finds this renewal or this sees failure
    StatusRuntimeException failed = failure;
    if (failed != null) {
      Waiting w = waiting.remove(n);
      if (w != null) {
        settle(w, failed);
      }
      return answer;
    }
    boolean sent = false;
    synchronized (this) {
      if (!closed) {
        requests.onNext(LeaseRenewal.newBuilder().setSeq(n).setId(id).build());
        sent = true;
      }
    }
    if (!sent) { // closed by a leader change after the caller picked this stream: one call instead
      waiting.remove(n);
      return fallback.apply(id);
    }
    scheduleSweep();
    return answer;
  }

  /** Fails what waited past its deadline; comes again while anything waits and the stream is open. */
  private void sweep() {
    long now = nanoClock.getAsLong();
    for (Map.Entry<Long, Waiting> e : waiting.entrySet()) {
      if (now - e.getValue().deadline() >= 0 && waiting.remove(e.getKey()) != null) {
        e.getValue().answer().completeExceptionally(EtcdErrors.unavailable(EtcdErrors.TIMEOUT));
      }
    }
    sweepScheduled.set(false);
    // a renewal added after the scan and before the flag cleared saw the flag set: it is picked up here
    if (!waiting.isEmpty() && failure == null) {
      scheduleSweep();
    }
  }

  /**
   * One sweep pending at a time. It runs on the JDK's delay thread itself: the default (the common pool) is a new
   * thread per task on a 2-core machine, and a sweep only completes futures whose continuations never block.
   */
  private void scheduleSweep() {
    if (sweepScheduled.compareAndSet(false, true)) {
      CompletableFuture.delayedExecutor(sweepMs, TimeUnit.MILLISECONDS, Runnable::run).execute(this::sweep);
    }
  }

  /** Ends the stream once the leader has answered what was sent (the follower now asks another member). */
  synchronized void close() {
    closed = true;
    try {
      requests.onCompleted();
    } catch (RuntimeException alreadyEnded) {
      // the stream failed meanwhile; onError drained it
    }
  }

  /** Why the stream ended; null while it is open. */
  StatusRuntimeException failure() {
    return failure;
  }

  @Override
  public void onNext(LeaseRenewed r) {
    Waiting w = waiting.remove(r.getSeq());
    if (w == null) {
      return; // timed out meanwhile
    }
    if (r.getErrorCode() != 0) {
      w.answer().completeExceptionally(Status.fromCodeValue(r.getErrorCode()).withDescription(r.getError())
          .asRuntimeException());
    } else {
      w.answer().complete(r.getTtl() <= 0 ? -1L : r.getTtl());
    }
  }

  @Override
  public void onError(Throwable t) {
    end(EtcdErrors.toStatus(t));
  }

  @Override
  public void onCompleted() {
    end(EtcdErrors.unavailable(EtcdErrors.NO_LEADER)); // only renewals left unanswered hear this
  }

  private void end(StatusRuntimeException why) {
    failure = why;
    for (Long n : waiting.keySet()) {
      Waiting w = waiting.remove(n);
      if (w != null) {
        settle(w, why);
      }
    }
    ended.accept(this);
  }

  private void settle(Waiting w, StatusRuntimeException why) {
    if (why.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
      fallback.apply(w.id()).whenComplete((ttl, err) -> {
        if (err != null) {
          w.answer().completeExceptionally(err);
        } else {
          w.answer().complete(ttl);
        }
      });
    } else {
      w.answer().completeExceptionally(why);
    }
  }
}
