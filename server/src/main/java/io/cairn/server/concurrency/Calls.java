package io.cairn.server.concurrency;

import io.cairn.server.api.EtcdErrors;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/** gRPC call plumbing shared by the lock and election services. */
final class Calls {
  private Calls() {}

  /** A future completed when the client cancels the call (or its deadline passes). */
  static CompletableFuture<Void> cancellation(StreamObserver<?> out) {
    CompletableFuture<Void> cancelled = new CompletableFuture<>();
    if (out instanceof ServerCallStreamObserver<?> s) {
      s.setOnCancelHandler(() -> cancelled.complete(null));
    }
    return cancelled;
  }

  /** Answers a unary call with {@code r}, or with etcd's status for {@code err}. */
  static <R> void reply(StreamObserver<R> out, R r, Throwable err) {
    try {
      if (err != null) {
        out.onError(EtcdErrors.toStatus(err));
      } else {
        out.onNext(r);
        out.onCompleted();
      }
    } catch (RuntimeException callGone) {
      // the client cancelled meanwhile: nobody to answer
    }
  }
}
