package io.cairn.server.apply;

import com.google.protobuf.Message;
import io.cairn.proto.serverpb.InternalRequest;
import java.util.concurrent.CompletableFuture;

/**
 * The one write path: every mutating request goes through {@link #propose}, which completes once
 * the request has been durably applied. Today one member applies directly; Raft slots in here.
 */
public interface Proposer extends AutoCloseable {

  /**
   * Completes with the store's response (header carries only the revision), or exceptionally with
   * an {@link io.cairn.storage.mvcc.MvccException} or {@link io.grpc.StatusRuntimeException}.
   */
  CompletableFuture<Message> propose(InternalRequest request);

  /**
   * Like {@link #propose}, but only while this member leads (the lessor's revocations and checkpoints): one made by
   * a member that has since lost leadership fails instead of reaching the log.
   */
  default CompletableFuture<Message> proposeAsLeader(InternalRequest request) {
    return propose(request);
  }

  /**
   * Completes when a linearizable read may be served from the local store: every write
   * acknowledged before this call is applied here (Raft's ReadIndex once there is a cluster).
   */
  CompletableFuture<Void> readBarrier();

  /**
   * etcd's applyWait: completes once every entry committed when it is called is applied here (no raft round, unlike
   * {@link #readBarrier}); fails with {@code Unavailable} if that takes longer than a request may.
   */
  default CompletableFuture<Void> applyWait() {
    return readBarrier();
  }

  /**
   * Runs {@code listener} on the apply thread after each written batch, before its writers are answered (watchers
   * are woken this way). It must be cheap and never block.
   */
  void onApplied(Runnable listener);

  /** Index of the last applied request. */
  long appliedIndex();

  /** Index of the last request accepted into the log. */
  long committedIndex();

  @Override
  void close();
}
