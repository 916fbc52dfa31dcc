package io.cairn.server.apply;

import com.google.protobuf.Message;
import io.cairn.proto.serverpb.InternalRequest;
import io.grpc.Status;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A single member without a replicated log: one apply thread owns the store's write side and
 * applies requests in arrival order; the store syncs each write before the future completes.
 * The queue is bounded; a full queue answers etcd's "too many requests" instead of growing.
 */
public final class LocalProposer implements Proposer {
  /** etcd rejects new proposals when committed - applied exceeds 5000. */
  static final int MAX_PENDING = 5000;

  private final RequestApplier applier;
  private final ThreadPoolExecutor applyThread;
  private final AtomicLong nextIndex;
  private final AtomicLong applied;
  private volatile Runnable onApplied = () -> { };

  public LocalProposer(RequestApplier applier, long lastAppliedIndex) {
    this.applier = applier;
    this.nextIndex = new AtomicLong(lastAppliedIndex);
    this.applied = new AtomicLong(lastAppliedIndex);
    this.applyThread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(MAX_PENDING), r -> {
          Thread t = new Thread(r, "cairn-apply");
          t.setDaemon(true);
          return t;
        });
  }

  @Override
  public CompletableFuture<Message> propose(InternalRequest request) {
    CompletableFuture<Message> result = new CompletableFuture<>();
    try {
      applyThread.execute(() -> {
        // indexes are assigned on the apply thread so they follow apply order exactly
        long index = nextIndex.incrementAndGet();
        try {
          Message response = applier.apply(request, index);
          applied.set(index);
          onApplied.run();
          result.complete(response);
        } catch (RuntimeException e) {
          applied.set(index);
          result.completeExceptionally(e);
        }
      });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(applyThread.isShutdown()
          ? Status.UNAVAILABLE.withDescription("etcdserver: server stopped").asRuntimeException()
          : Status.RESOURCE_EXHAUSTED.withDescription("etcdserver: too many requests").asRuntimeException());
    }
    return result;
  }

  @Override
  public void onApplied(Runnable listener) {
    this.onApplied = listener;
  }

  @Override
  public long appliedIndex() {
    return applied.get();
  }

  @Override
  public long committedIndex() {
    return nextIndex.get();
  }

  @Override
  public void close() {
    applyThread.shutdown();
    try {
      if (!applyThread.awaitTermination(10, TimeUnit.SECONDS)) {
        applyThread.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      applyThread.shutdownNow();
    }
  }
}
