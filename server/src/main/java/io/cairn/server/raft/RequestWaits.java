package io.cairn.server.raft;

import com.google.protobuf.Message;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Callers waiting for their proposals, by request id. Whoever takes a wait out answers it: the apply thread when the
 * entry is applied, the deadline sweep when it times out first, the raft thread when it refuses the proposal. Taking
 * is atomic, so a caller is answered exactly once.
 */
final class RequestWaits {
  private final ConcurrentHashMap<Long, CompletableFuture<Message>> waits = new ConcurrentHashMap<>();

  CompletableFuture<Message> register(long id) {
    CompletableFuture<Message> f = new CompletableFuture<>();
    waits.put(id, f);
    return f;
  }

  /** The wait for {@code id}, removed; null when nobody waits (another member proposed it, or it timed out). */
  CompletableFuture<Message> take(long id) {
    return waits.remove(id);
  }

  boolean isWaiting(long id) {
    return waits.containsKey(id);
  }

  /**
   * Fails the wait for {@code id}, if any. The error is made only then: every proposal's deadline comes here, almost
   * always after its answer, and an exception's stack trace costs more than the rest of the sweep.
   */
  void fail(long id, Supplier<? extends Throwable> why) {
    CompletableFuture<Message> f = waits.remove(id);
    if (f != null) {
      f.completeExceptionally(why.get());
    }
  }

  void failAll(Throwable why) {
    for (Long id : waits.keySet()) {
      fail(id, () -> why);
    }
  }

  int size() {
    return waits.size();
  }
}
