package io.cairn.server.concurrency;

import io.cairn.server.loop.EventLoop;
import io.cairn.server.raft.MemberStop;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for conditions on the store without sleeping: a condition is checked when it is registered and again after
 * every applied batch ({@link #wake}, coalesced), on this class's own {@code cairn-concurrency} thread, which also
 * runs the lock and election services' continuations ({@link #executor}). A wait whose future was completed by
 * someone else (a cancelled call) is dropped at the next check.
 */
final class StoreWaiter implements AutoCloseable, EventLoop.Owner<Runnable> {
  private static final Logger LOG = LoggerFactory.getLogger(StoreWaiter.class);

  private record Wait(BooleanSupplier condition, CompletableFuture<Void> done) {}

  private final EventLoop<Runnable> tasks;
  private final MemberStop stop;
  private final AtomicBoolean wakePending = new AtomicBoolean();
  private final List<Wait> waits = new ArrayList<>(); // owned by the thread
  /** Waits asked for and not yet over: counted before their first check, uncounted when they leave {@link #waits}. */
  private final AtomicInteger registered = new AtomicInteger();

  /** @param stop how the member ends if this thread fails (locks and elections would hang otherwise) */
  StoreWaiter(MemberStop stop) {
    this.stop = stop;
    this.tasks = new EventLoop<>("cairn-concurrency", this);
    tasks.start();
  }

  /** Runs tasks on the waiter's thread, in order. */
  Executor executor() {
    return tasks::post;
  }

  /**
   * After the store applied something (any thread; cheap). With nothing waiting it does nothing, so a write costs this
   * thread no wake-up. No wait is missed: {@link #await} counts a wait before it first checks the store, and the
   * applier changes the store before it calls this, so either this call sees the count or that check sees the write.
   */
  void wake() {
    if (registered.get() > 0 && wakePending.compareAndSet(false, true)) {
      tasks.post(this::checkAll);
    }
  }

  /** Completes once {@code condition} holds; {@code cancel} completing first fails it with a CancellationException. */
  CompletableFuture<Void> await(BooleanSupplier condition, CompletableFuture<?> cancel) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    cancel.whenComplete((x, e) -> f.completeExceptionally(new CancellationException("call cancelled")));
    registered.incrementAndGet();
    tasks.post(() -> {
      if (!f.isDone() && !check(new Wait(condition, f))) {
        waits.add(new Wait(condition, f));
      } else {
        registered.decrementAndGet();
      }
    });
    return f;
  }

  int pending() {
    return waits.size();
  }

  /** True when the wait is over (satisfied, failed, or completed elsewhere). */
  private static boolean check(Wait w) {
    if (w.done().isDone()) {
      return true;
    }
    try {
      if (w.condition().getAsBoolean()) {
        w.done().complete(null);
        return true;
      }
      return false;
    } catch (RuntimeException e) {
      w.done().completeExceptionally(e);
      return true;
    }
  }

  private void checkAll() {
    wakePending.set(false);
    for (Iterator<Wait> it = new ArrayList<>(waits).iterator(); it.hasNext(); ) {
      Wait w = it.next();
      if (check(w)) {
        waits.remove(w);
        registered.decrementAndGet();
      }
    }
  }

  /** A task's failure is its caller's (the future it completes), not the thread's. */
  @Override
  public void handle(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.error("concurrency task failed", e);
    }
  }

  @Override
  public long step(boolean handled) {
    return Long.MAX_VALUE; // nothing of its own: only tasks and wake-ups
  }

  @Override
  public void failed(Throwable cause) {
    stop.stop(1, "the concurrency thread failed: " + cause, cause);
  }

  @Override
  public void close() {
    tasks.close();
    for (Wait w : new ArrayList<>(waits)) {
      w.done().completeExceptionally(new CancellationException("server stopping"));
    }
  }
}
