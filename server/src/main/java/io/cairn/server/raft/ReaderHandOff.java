package io.cairn.server.raft;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/** Moves what follows a read barrier off the apply thread, which releases the barrier, onto a reader thread. */
final class ReaderHandOff {
  private ReaderHandOff() {}

  /**
   * {@code barrier}, completing on a reader thread, so the stages a caller chains to the result (the read itself)
   * run there. A separate future that a reader task completes is not enough: when the reader completes it before
   * the releasing thread has linked it to the chain, the chain goes on on the releasing thread. Under the
   * Kubernetes-shaped load that put a tenth of the apply thread's time into serving reads. A full read pool fails
   * the result with {@code RejectedExecutionException} (etcd's "too many requests").
   */
  static CompletableFuture<Void> onReader(CompletableFuture<Void> barrier, Executor readers) {
    return barrier.thenApplyAsync(x -> null, readers);
  }
}
