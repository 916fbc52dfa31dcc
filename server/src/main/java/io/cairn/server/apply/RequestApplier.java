package io.cairn.server.apply;

import com.google.protobuf.Message;
import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.proto.etcdserverpb.CompactionResponse;
import io.cairn.proto.serverpb.InternalRequest;
import java.util.concurrent.CompletableFuture;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreBatch;

/**
 * Applies logged requests to the store, many per RocksDB batch: the apply loop stages each committed entry with
 * {@link #apply} and commits with {@link #commit} before it answers anyone. Lease changes reach the lessor through
 * the store's lease listener ({@link MvccStore#subscribeLeases}) when the batch commits, so the lessor sees exactly
 * what was applied, in log order.
 */
public final class RequestApplier implements AutoCloseable {
  private final StoreBatch batch;
  private final ApplyAuth auth;

  public RequestApplier(MvccStore store) {
    this(store, ApplyAuth.NONE);
  }

  public RequestApplier(MvccStore store, ApplyAuth auth) {
    this.batch = store.newBatch();
    this.auth = auth;
  }

  /**
   * Stages {@code req} as log entry {@code index}; the store records the index with the data. The response is final
   * but must not reach the client before {@link #commit}. Compactions go through {@link #compact}.
   */
  public Message apply(InternalRequest req, long index) {
    auth.check(req); // refused: a StatusRuntimeException, with nothing staged
    return switch (req.getRequestCase()) {
      case PUT -> batch.put(req.getPut(), index);
      case DELETE_RANGE -> batch.deleteRange(req.getDeleteRange(), index);
      case TXN -> batch.txn(req.getTxn(), index);
      case COMPACTION -> throw new IllegalArgumentException("compactions complete later: use compact");
      case LEASE_GRANT -> batch.leaseGrant(req.getLeaseGrant().getID(), req.getLeaseGrant().getTTL(), index);
      case LEASE_REVOKE -> batch.leaseRevoke(req.getLeaseRevoke().getID(), index);
      case LEASE_CHECKPOINT -> batch.leaseCheckpoint(req.getLeaseCheckpoint(), index);
      case MEMBER_ATTRIBUTES -> throw new IllegalArgumentException("member attributes are applied to the membership");
      case AUTH_ENABLE, AUTH_DISABLE, AUTHENTICATE, USER_ADD, USER_DELETE, USER_CHANGE_PASSWORD, USER_GRANT_ROLE,
          USER_REVOKE_ROLE, ROLE_ADD, ROLE_DELETE, ROLE_GRANT_PERMISSION, ROLE_REVOKE_PERMISSION ->
          auth.apply(req, index, batch);
      case REQUEST_NOT_SET -> throw new IllegalArgumentException("empty internal request at index " + index);
    };
  }

  /**
   * Commits what is staged, then records the compaction; the future completes when a physical compaction has
   * removed the history, so the apply thread never waits for it (etcd's apply loop does not either).
   */
  public CompletableFuture<CompactionResponse> compact(CompactionRequest req, long index) {
    return batch.compact(req, index);
  }

  /** The apply-time auth check alone (for a compaction, which {@link #compact} records). */
  public void check(InternalRequest req) {
    auth.check(req);
  }

  /** Whether the store (with what is staged) already holds log entry {@code index}: a re-delivered entry. */
  public boolean holds(long index) {
    return batch.holds(index);
  }

  /** Requests staged since the last commit. */
  public int staged() {
    return batch.size();
  }

  /** Writes everything staged as one RocksDB batch. */
  public void commit() {
    batch.commit();
  }

  @Override
  public void close() {
    batch.close();
  }
}
