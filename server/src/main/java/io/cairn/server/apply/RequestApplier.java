package io.cairn.server.apply;

import com.google.protobuf.Message;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.storage.mvcc.MvccStore;

/**
 * Applies one logged request to the store; the same code serves direct apply and Raft's apply loop. Lease changes
 * reach the lessor through the store's lease listener ({@link MvccStore#subscribeLeases}), so the lessor sees exactly
 * what was applied, in log order.
 */
public final class RequestApplier {
  private final MvccStore store;

  public RequestApplier(MvccStore store) {
    this.store = store;
  }

  /** Applies {@code req} as log entry {@code index}; the store records the index with the data. */
  public Message apply(InternalRequest req, long index) {
    return switch (req.getRequestCase()) {
      case PUT -> store.put(req.getPut(), index);
      case DELETE_RANGE -> store.deleteRange(req.getDeleteRange(), index);
      case TXN -> store.txn(req.getTxn(), index);
      case COMPACTION -> store.compact(req.getCompaction(), index);
      case LEASE_GRANT -> store.leaseGrant(req.getLeaseGrant().getID(), req.getLeaseGrant().getTTL(), index);
      case LEASE_REVOKE -> store.leaseRevoke(req.getLeaseRevoke().getID(), index);
      case LEASE_CHECKPOINT -> store.leaseCheckpoint(req.getLeaseCheckpoint(), index);
      case MEMBER_ATTRIBUTES -> throw new IllegalArgumentException("member attributes are applied to the membership");
      case REQUEST_NOT_SET -> throw new IllegalArgumentException("empty internal request at index " + index);
    };
  }
}
