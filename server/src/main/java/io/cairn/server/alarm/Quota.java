package io.cairn.server.alarm;

import com.google.protobuf.Message;
import io.cairn.proto.etcdserverpb.LeaseGrantRequest;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.serverpb.InternalRequest;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's backend quota ({@code --quota-backend-bytes}): a write is let through while the store's size plus the
 * write's estimated cost stays below the quota. The size is Status' dbSize: the store's live SST files plus its
 * memtables (which stand in for RocksDB's log holding the same writes), the closest thing to etcd's bbolt file size;
 * like it, it shrinks only when compaction and defragmentation rewrite the data, and it does not jump while RocksDB
 * flushes (the directory's file sizes do).
 */
public final class Quota {
  private static final Logger LOG = LoggerFactory.getLogger(Quota.class);
  /** etcd's DefaultQuotaBytes: used when the flag is 0. */
  public static final long DEFAULT_BYTES = 2L * 1024 * 1024 * 1024;
  /** etcd's MaxQuotaBytes: a larger quota is allowed, with a warning. */
  static final long MAX_BYTES = 8L * 1024 * 1024 * 1024;
  /** etcd's estimates of a key's and a lease's metadata in the backend. */
  static final int KV_OVERHEAD = 256;
  static final int LEASE_OVERHEAD = 64;

  /** The quota in bytes; negative: disabled (etcd's passthrough quota). */
  private final long limit;
  private final LongSupplier size;

  Quota(long limit, LongSupplier size) {
    this.limit = limit;
    this.size = size;
  }

  /** etcd's NewBackendQuota: 0 means the default, a negative value disables the quota. */
  public static Quota fromFlag(long quotaBackendBytes, LongSupplier size) {
    if (quotaBackendBytes < 0) {
      LOG.info("disabled backend quota (quota-size-bytes {})", quotaBackendBytes);
      return new Quota(-1, size);
    }
    if (quotaBackendBytes == 0) {
      LOG.info("enabled backend quota with default value (quota-size-bytes {})", DEFAULT_BYTES);
      return new Quota(DEFAULT_BYTES, size);
    }
    if (quotaBackendBytes > MAX_BYTES) {
      LOG.warn("quota exceeds the maximum value (quota-size-bytes {}, quota-maximum-size-bytes {})",
          quotaBackendBytes, MAX_BYTES);
    }
    LOG.info("enabled backend quota (quota-size-bytes {})", quotaBackendBytes);
    return new Quota(quotaBackendBytes, size);
  }

  /** Whether {@code req} (a Put, Txn or LeaseGrant request) fits; requests that write nothing always do. */
  public boolean available(Message req) {
    int cost = cost(req);
    if (cost == 0 || limit < 0) {
      return true;
    }
    return size.getAsLong() + cost < limit;
  }

  /** The same for a logged request; other kinds cost nothing. */
  boolean available(InternalRequest req) {
    return switch (req.getRequestCase()) {
      case PUT -> available(req.getPut());
      case TXN -> available(req.getTxn());
      case LEASE_GRANT -> available(req.getLeaseGrant());
      default -> true;
    };
  }

  /** etcd's cost: key metadata plus key and value for a put; a txn costs its dearer branch's puts. */
  static int cost(Message req) {
    if (req instanceof PutRequest p) {
      return costPut(p);
    }
    if (req instanceof TxnRequest t) {
      // etcd counts only the branches' own puts, not those of nested txns
      int success = 0;
      for (RequestOp op : t.getSuccessList()) {
        success += op.hasRequestPut() ? costPut(op.getRequestPut()) : 0;
      }
      int failure = 0;
      for (RequestOp op : t.getFailureList()) {
        failure += op.hasRequestPut() ? costPut(op.getRequestPut()) : 0;
      }
      return Math.max(success, failure);
    }
    if (req instanceof LeaseGrantRequest) {
      return LEASE_OVERHEAD;
    }
    return 0;
  }

  private static int costPut(PutRequest p) {
    return KV_OVERHEAD + p.getKey().size() + p.getValue().size();
  }
}
