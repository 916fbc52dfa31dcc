package io.cairn.storage.mvcc;

import io.cairn.proto.mvccpb.KeyValue;

/**
 * Bounds the key-values one Range or Txn response may hold, so one request cannot exhaust the heap. etcd's only
 * bound is gRPC's send limit (2 GiB − 1), which it hits after building the whole response; here the read stops as
 * soon as the limit is crossed, so a refused response costs at most the limit in memory.
 */
final class ResponseBudget {
  /** Per key-value framing in a RangeResponse: field tag and length prefix. */
  private static final int FRAMING = 6;

  private final long max;
  private long used;

  ResponseBudget(long max) {
    this.max = max;
  }

  void charge(KeyValue kv) {
    used += kv.getSerializedSize() + FRAMING;
    if (used > max) throw MvccException.responseTooLarge(used, max);
  }
}
