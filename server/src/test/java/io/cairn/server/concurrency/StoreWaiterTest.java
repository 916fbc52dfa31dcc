package io.cairn.server.concurrency;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The waiter is woken only while someone waits. A wait asked for at the moment of a write must still see it: either
 * its first check reads the write or the writer's wake-up finds the wait counted. Each round races one wait against
 * one write; a lost wake-up leaves the wait pending with no later write to rescue it.
 */
class StoreWaiterTest {
  @Test
  void aWaitAskedForAsAWriteLandsIsNeverLeftPending() throws Exception {
    AtomicLong store = new AtomicLong();
    try (StoreWaiter waiter = new StoreWaiter((code, reason, cause) -> { throw new AssertionError(reason); })) {
      for (int round = 1; round <= 2_000; round++) {
        long target = round;
        Thread writer = new Thread(() -> {
          store.set(target); // the applier: change the store, then wake
          waiter.wake();
        });
        writer.start(); // lands before, during or after the wait's registration and first check
        CompletableFuture<Void> done = waiter.await(() -> store.get() >= target, new CompletableFuture<>());
        done.get(5, TimeUnit.SECONDS);
        writer.join();
      }
    }
  }
}
