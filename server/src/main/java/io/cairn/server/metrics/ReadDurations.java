package io.cairn.server.metrics;

import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.storage.mvcc.MvccStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * etcd 3.7's {@code etcd_server_request_duration_seconds{type="Range"|"ReadonlyTxn", success}}: how long each read
 * took from arrival to answer, barrier included. Buckets double from 100 µs to about 13 s.
 */
final class ReadDurations {
  static final String RANGE = "Range";
  static final String READONLY_TXN = "ReadonlyTxn";

  private final Timer rangeOk;
  private final Timer rangeFailed;
  private final Timer txnOk;
  private final Timer txnFailed;

  ReadDurations(MeterRegistry registry) {
    rangeOk = timer(registry, RANGE, true);
    rangeFailed = timer(registry, RANGE, false);
    txnOk = timer(registry, READONLY_TXN, true);
    txnFailed = timer(registry, READONLY_TXN, false);
  }

  private static Timer timer(MeterRegistry registry, String type, boolean success) {
    return Timer.builder("etcd_server_request_duration").tag("type", type).tag("success", Boolean.toString(success))
        .description("The latency distribution of read requests (Range and read-only Txn).")
        .serviceLevelObjectives(ServerMetrics.doubling(100_000L, 18)).register(registry);
  }

  /** The read kind a KV call's request makes, or null if it is not one that is timed. */
  static String kindOf(boolean rangeMethod, boolean txnMethod, Object request) {
    if (rangeMethod) {
      return RANGE;
    }
    if (txnMethod && request instanceof TxnRequest t && MvccStore.isReadOnlyTxn(t)) {
      return READONLY_TXN;
    }
    return null;
  }

  void record(String kind, boolean success, long nanos) {
    Timer t = RANGE.equals(kind) ? (success ? rangeOk : rangeFailed) : (success ? txnOk : txnFailed);
    t.record(nanos, TimeUnit.NANOSECONDS);
  }
}
