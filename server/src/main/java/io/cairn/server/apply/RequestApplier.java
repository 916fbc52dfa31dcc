package io.cairn.server.apply;

import com.google.protobuf.Message;
import io.cairn.proto.etcdserverpb.AlarmRequest;
import io.cairn.proto.etcdserverpb.AlarmType;
import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.proto.etcdserverpb.CompactionResponse;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreBatch;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies logged requests to the store, many per RocksDB batch: the apply loop stages each committed entry with
 * {@link #apply} and commits with {@link #commit} before it answers anyone. Lease changes reach the lessor through
 * the store's lease listener ({@link MvccStore#subscribeLeases}) when the batch commits, so the lessor sees exactly
 * what was applied, in log order.
 *
 * <p>etcd's appliers, outermost first: an active alarm refuses (NOSPACE, CORRUPT), then auth checks the request
 * against the user and auth revision it carries, then the quota, then the store.
 */
public final class RequestApplier implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RequestApplier.class);

  private final MvccStore store;
  private final StoreBatch batch;
  private final ApplyGate gate;
  private final ApplyAuth auth;
  private final io.cairn.server.metrics.MemberEvents events;

  public RequestApplier(MvccStore store) {
    this(store, ApplyGate.OPEN, ApplyAuth.NONE);
  }

  public RequestApplier(MvccStore store, ApplyGate gate, ApplyAuth auth) {
    this(store, gate, auth, io.cairn.server.metrics.MemberEvents.NONE);
  }

  /**
   * @param gate refuses requests while an alarm is active and checks the quota (etcd's alarm appliers)
   * @param auth checks and applies auth (etcd's auth applier)
   */
  public RequestApplier(MvccStore store, ApplyGate gate, ApplyAuth auth, io.cairn.server.metrics.MemberEvents events) {
    this.events = events;
    this.store = store;
    this.batch = store.newBatch();
    this.gate = gate;
    this.auth = auth;
  }

  /**
   * Stages {@code req} as log entry {@code index}; the store records the index with the data. The response is final
   * but must not reach the client before {@link #commit}. Compactions go through {@link #compact}.
   */
  public Message apply(InternalRequest req, long index) {
    if (req.getRequestCase() == InternalRequest.RequestCase.ALARM) {
      return applyAlarm(req.getAlarm(), index); // alarms are never refused: a disarm must get through
    }
    long started = System.nanoTime();
    Message resp = null;
    RuntimeException failed = null;
    try {
      gate.beforeApply(req);
      auth.check(req); // refused: a StatusRuntimeException, with nothing staged
      boolean quotaAvailable = gate.quotaAvailable(req);
      resp = applyToStore(req, index);
      KvOpCount.report(req, resp, System.nanoTime() - started, events);
      gate.afterApply(req, quotaAvailable);
      return resp;
    } catch (RuntimeException e) {
      failed = e;
      throw e;
    } finally {
      SlowApplies.check(started, req, resp, failed);
    }
  }

  /** Applies an alarm change, logging (on every member, as etcd) when an alarm type turns on or off. */
  private Message applyAlarm(AlarmRequest req, long index) {
    int before = store.alarms(req.getAlarm()).size();
    Message resp = batch.alarm(req, index);
    int after = store.alarms(req.getAlarm()).size();
    String from = Long.toHexString(req.getMemberID());
    // etcd's words and fields: "alarm raised" / "alarm disarmed", with alarm and from
    if (req.getAlarm() != AlarmType.NONE && before == 0 && after > 0) {
      LOG.atWarn().addKeyValue("alarm", req.getAlarm().name()).addKeyValue("from", from).log("alarm raised");
    } else if (req.getAlarm() != AlarmType.NONE && before > 0 && after == 0) {
      LOG.atWarn().addKeyValue("alarm", req.getAlarm().name()).addKeyValue("from", from).log("alarm disarmed");
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
    InternalRequest asLogged = InternalRequest.newBuilder().setCompaction(req).build();
    gate.beforeApply(asLogged);
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
    boolean writes = batch.size() > 0; // the apply loop also commits with nothing staged: not a backend commit
    long started = System.nanoTime();
    batch.commit();
    if (writes) {
      events.backendCommit(System.nanoTime() - started);
    }
  }

  @Override
  public void close() {
    batch.close();
  }
}
