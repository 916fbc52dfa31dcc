package io.cairn.server.apply;

import com.google.protobuf.Message;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.storage.mvcc.MvccStore;

/** Applies one logged request to the store; the same code serves direct apply and, later, Raft's apply loop. */
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
      case REQUEST_NOT_SET -> throw new IllegalArgumentException("empty internal request at index " + index);
    };
  }
}
