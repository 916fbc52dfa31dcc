package io.cairn.server.apply;

import com.google.protobuf.Message;
import java.util.concurrent.CompletableFuture;

/** The API layer's check before a Put, Txn or LeaseGrant is proposed (etcd's quota servers). */
@FunctionalInterface
public interface Admission {
  /** Completes normally if {@code req} may be proposed, else exceptionally with the error to answer. */
  CompletableFuture<Void> admit(Message req);

  Admission OPEN = req -> CompletableFuture.completedFuture(null);
}
