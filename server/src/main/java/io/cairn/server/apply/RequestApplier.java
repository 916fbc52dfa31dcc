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
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RequestApplier.class);

  private final MvccStore store;
  private final StoreBatch batch;
  private final ApplyGate gate;

  public RequestApplier(MvccStore store) {
    this(store, ApplyGate.OPEN);
  }

  /** {@code gate} refuses requests while an alarm is active and checks the quota (etcd's alarm appliers). */
  public RequestApplier(MvccStore store, ApplyGate gate) {
    this.store = store;
    this.batch = store.newBatch();
    this.gate = gate;
  }

  /**
   * Stages {@code req} as log entry {@code index}; the store records the index with the data. The response is final
   * but must not reach the client before {@link #commit}. Compactions go through {@link #compact}.
   */
  public Message apply(InternalRequest req, long index) {
    if (req.getRequestCase() == InternalRequest.RequestCase.ALARM) {
      return applyAlarm(req.getAlarm(), index); // alarms are never refused: a disarm must get through
    }
    gate.beforeApply(req);
    boolean quotaAvailable = gate.quotaAvailable(req);
    Message resp = applyToStore(req, index);
    gate.afterApply(req, quotaAvailable);
    return resp;
  }

  /** Applies an alarm change, logging (on every member, as etcd) when an alarm type turns on or off. */
  private Message applyAlarm(io.cairn.proto.etcdserverpb.AlarmRequest req, long index) {
    int before = store.alarms(req.getAlarm()).size();
    Message resp = batch.alarm(req, index);
    int after = store.alarms(req.getAlarm()).size();
    String from = Long.toHexString(req.getMemberID());
    if (req.getAlarm() != io.cairn.proto.etcdserverpb.AlarmType.NONE && before == 0 && after > 0) {
      LOG.warn("alarm raised (alarm {}, from {})", req.getAlarm(), from);
    } else if (req.getAlarm() != io.cairn.proto.etcdserverpb.AlarmType.NONE && before > 0 && after == 0) {
      LOG.warn("alarm disarmed (alarm {}, from {})", req.getAlarm(), from);
    }
    return resp;
  }

  private Message applyToStore(InternalRequest req, long index) {
    return switch (req.getRequestCase()) {
      case PUT -> batch.put(req.getPut(), index);
      case DELETE_RANGE -> batch.deleteRange(req.getDeleteRange(), index);
      case TXN -> batch.txn(req.getTxn(), index);
      case COMPACTION -> throw new IllegalArgumentException("compactions complete later: use compact");
      case LEASE_GRANT -> batch.leaseGrant(req.getLeaseGrant().getID(), req.getLeaseGrant().getTTL(), index);
      case LEASE_REVOKE -> batch.leaseRevoke(req.getLeaseRevoke().getID(), index);
      case LEASE_CHECKPOINT -> batch.leaseCheckpoint(req.getLeaseCheckpoint(), index);
      case ALARM -> throw new IllegalStateException("alarms are applied above");
      case MEMBER_ATTRIBUTES -> throw new IllegalArgumentException("member attributes are applied to the membership");
      case REQUEST_NOT_SET -> throw new IllegalArgumentException("empty internal request at index " + index);
    };
  }

  /**
   * Commits what is staged, then records the compaction; the future completes when a physical compaction has
   * removed the history, so the apply thread never waits for it (etcd's apply loop does not either).
   */
  public CompletableFuture<CompactionResponse> compact(CompactionRequest req, long index) {
    gate.beforeApply(InternalRequest.newBuilder().setCompaction(req).build());
    return batch.compact(req, index);
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
