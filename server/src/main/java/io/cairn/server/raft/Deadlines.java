package io.cairn.server.raft;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * Timeouts of one fixed length for many futures (every proposal and read barrier waits etcd's request timeout).
 * With one length, arrival order is deadline order, so a queue swept periodically does what a scheduled task per
 * request would, at the cost of a queue append; a deadline fires at most one sweep period late.
 */
final class Deadlines {
  private record Pending(long deadline, CompletableFuture<?> future) {}

  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final long timeoutNanos;
  private final LongSupplier nanoClock;

  Deadlines(long timeoutNanos, LongSupplier nanoClock) {
    this.timeoutNanos = timeoutNanos;
    this.nanoClock = nanoClock;
  }

  /** Fails {@code f} with a TimeoutException unless it completes within the timeout; returns {@code f}. */
  <T> CompletableFuture<T> track(CompletableFuture<T> f) {
    queue.add(new Pending(nanoClock.getAsLong() + timeoutNanos, f));
    return f;
  }

  /** Called periodically: fails every future whose deadline passed (completed ones are just dropped). */
  void expire() {
    long now = nanoClock.getAsLong();
    for (Pending p; (p = queue.peek()) != null && p.deadline - now <= 0; ) {
      queue.poll();
      if (!p.future.isDone()) {
        p.future.completeExceptionally(new TimeoutException());
      }
    }
  }
}
