package io.cairn.server.apply;

import com.google.protobuf.Message;
import io.cairn.proto.etcdserverpb.ResponseOp;
import io.cairn.proto.etcdserverpb.TxnResponse;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.server.metrics.MemberEvents;
import java.util.concurrent.TimeUnit;

/**
 * Reports one applied request to the metrics as etcd's mvcc counts it: each put, delete and range (a compare reads
 * the key, so it is a range) once, and a transaction when it did more than one of them; an apply slower than etcd's
 * 100 ms warning threshold is a slow apply.
 */
final class KvOpCount {
  private static final long SLOW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private int ranges;
  private int puts;
  private int deletes;

  private KvOpCount() {}

  static void report(InternalRequest req, Message resp, long nanos, MemberEvents events) {
    if (nanos > SLOW_NANOS) {
      events.slowApply();
    }
    KvOpCount c = new KvOpCount();
    switch (req.getRequestCase()) {
      case PUT -> c.puts++;
      case DELETE_RANGE -> c.deletes++;
      case TXN -> {
        c.ranges += req.getTxn().getCompareCount();
        if (resp instanceof TxnResponse t) {
          c.count(t);
        }
      }
      default -> {
        return; // leases, alarms, auth: not key-value operations
      }
    }
    events.kvApplied(c.ranges, c.puts, c.deletes, c.ranges + c.puts + c.deletes > 1);
  }

  private void count(TxnResponse t) {
    for (ResponseOp op : t.getResponsesList()) {
      switch (op.getResponseCase()) {
        case RESPONSE_RANGE -> ranges++;
        case RESPONSE_PUT -> puts++;
        case RESPONSE_DELETE_RANGE -> deletes++;
        case RESPONSE_TXN -> count(op.getResponseTxn());
        default -> { }
      }
    }
  }
}
