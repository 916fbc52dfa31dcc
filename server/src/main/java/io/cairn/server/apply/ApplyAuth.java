package io.cairn.server.apply;

import com.google.protobuf.Message;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.storage.mvcc.StoreBatch;

/**
 * The auth side of applying a log entry, on the apply thread: the permission check a client's write gets again when
 * applied (its proposer checked against an auth state that may have changed since), and the auth changes themselves.
 */
public interface ApplyAuth {
  /** Refuses {@code req} with etcd's status (a StatusRuntimeException) if its proposer may not do it now. */
  void check(InternalRequest req);

  /** Applies an auth change or Authenticate entry at {@code index}, staging rows in {@code batch}. */
  Message apply(InternalRequest req, long index, StoreBatch batch);

  /** No auth: nothing is checked, and auth entries cannot be applied. */
  ApplyAuth NONE = new ApplyAuth() {
    @Override
    public void check(InternalRequest req) {}

    @Override
    public Message apply(InternalRequest req, long index, StoreBatch batch) {
      throw new IllegalArgumentException("no auth store to apply " + req.getRequestCase() + " at index " + index);
    }
  };
}
