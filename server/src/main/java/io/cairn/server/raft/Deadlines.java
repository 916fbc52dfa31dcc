package io.cairn.server.raft;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * Timeouts of one fixed length (etcd's request timeout, for every proposal and read barrier). With one length,
 * arrival order is deadline order, so a queue swept periodically does what a scheduled task per request would, at
 * the cost of a queue append; a deadline fires at most one sweep period late. Each entry holds only what its expiry
 * needs, never a response.
 */
final class Deadlines {
  private record Pending(long deadline, Runnable expire) {}

  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final long timeoutNanos;
  private final LongSupplier nanoClock;

  Deadlines(long timeoutNanos, LongSupplier nanoClock) {
    this.timeoutNanos = timeoutNanos;
    this.nanoClock = nanoClock;
  }

  /**
   * Fails {@code f} with a TimeoutException unless it completes within the timeout; returns {@code f}. Nearly every
   * future is answered long before, so the exception (a stack trace's worth of work) is made only for one that is not.
   */
  <T> CompletableFuture<T> track(CompletableFuture<T> f) {
    after(() -> {
      if (!f.isDone()) {
        f.completeExceptionally(new TimeoutException());
      }
    });
    return f;
  }

  /** Runs {@code expire} once the timeout has passed (it decides whether anything is still waiting). */
  void after(Runnable expire) {
    queue.add(new Pending(nanoClock.getAsLong() + timeoutNanos, expire));
  }

  /** Called periodically: expires every entry whose deadline passed. */
  void expire() {
    long now = nanoClock.getAsLong();
    for (Pending p; (p = queue.peek()) != null && p.deadline - now <= 0; ) {
      queue.poll();
      p.expire.run();
    }
  }
}
