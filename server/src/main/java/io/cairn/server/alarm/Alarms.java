package io.cairn.server.alarm;

import com.google.protobuf.Message;
import io.cairn.proto.etcdserverpb.AlarmMember;
import io.cairn.proto.etcdserverpb.AlarmRequest;
import io.cairn.proto.etcdserverpb.AlarmResponse;
import io.cairn.proto.etcdserverpb.AlarmType;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.server.api.EtcdErrors;
import io.cairn.server.apply.Proposer;
import io.cairn.storage.mvcc.MvccStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of etcd's alarms: alarm changes are proposed through Raft and applied by every member to its store
 * (which persists them); lists are read from the store after a read barrier. Also the API layer's quota check
 * (etcd's quotaKVServer / quotaLeaseServer): a write that would exceed this member's quota raises NOSPACE and is
 * refused before it is proposed.
 */
public final class Alarms {
  private static final Logger LOG = LoggerFactory.getLogger(Alarms.class);

  private final MvccStore store;
  private final Proposer proposer;
  private final long selfId;
  private final Quota quota;
  /** One NOSPACE proposal at a time: a burst of refused writes must not flood the log with the same alarm. */
  private final AtomicBoolean raising = new AtomicBoolean();

  public Alarms(MvccStore store, Proposer proposer, long selfId, Quota quota) {
    this.store = store;
    this.proposer = proposer;
    this.selfId = selfId;
    this.quota = quota;
  }

  /** ACTIVATE or DEACTIVATE through Raft; completes with what the apply answered. */
  public CompletableFuture<AlarmResponse> change(AlarmRequest req) {
    return proposer.propose(InternalRequest.newBuilder().setAlarm(req).build()).thenApply(AlarmResponse.class::cast);
  }

  /** Alarm GET: the alarms of {@code type} (NONE: all) once every acknowledged write is applied here. */
  public CompletableFuture<AlarmResponse> list(AlarmType type) {
    return proposer.readBarrier()
        .thenApply(ok -> AlarmResponse.newBuilder().addAllAlarms(store.alarms(type)).build());
  }

  /** Raises an alarm on behalf of {@code memberId}; completes when applied here (errors are only logged). */
  public CompletableFuture<Void> raise(AlarmType type, long memberId) {
    AlarmRequest req = AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE)
        .setMemberID(memberId).setAlarm(type).build();
    return change(req).handle((r, err) -> {
      if (err != null) {
        LOG.warn("could not raise alarm {}: {}", type, err.toString());
      }
      return null;
    });
  }

  /** This member's NOSPACE, raised once at a time (the apply thread's quota applier calls this; it never waits). */
  public CompletableFuture<Void> raiseNoSpace() {
    if (!raising.compareAndSet(false, true)) {
      return CompletableFuture.completedFuture(null);
    }
    LOG.warn("message exceeded backend quota; raising alarm");
    return raise(AlarmType.NOSPACE, selfId).whenComplete((r, e) -> raising.set(false));
  }

  /**
   * etcd's quotaAlarmer.check for a Put, Txn or LeaseGrant request: completes normally if it fits, else raises
   * NOSPACE (waiting for it, as etcd does) and fails with "database space exceeded".
   */
  public CompletableFuture<Void> admit(Message req) {
    if (quota.available(req)) {
      return CompletableFuture.completedFuture(null);
    }
    return raiseNoSpace().thenCompose(ok -> CompletableFuture.failedFuture(EtcdErrors.noSpace()));
  }

  /** StatusResponse.errors: each alarm in the Go protobuf text form etcd prints ("memberID:N alarm:NOSPACE "). */
  public List<String> statusErrors() {
    List<String> out = new ArrayList<>();
    for (AlarmMember a : store.alarms()) {
      out.add(text(a));
    }
    return out;
  }

  /** etcd's /health reason for the first alarm not excluded ("ALARM NOSPACE"), or null if none. */
  public String healthFailure(Set<String> excluded) {
    for (AlarmMember a : store.alarms()) {
      if (!excluded.contains(a.getAlarm().name())) {
        return "ALARM " + a.getAlarm().name();
      }
    }
    return null;
  }

  /** Whether {@code memberId}'s alarm of {@code type} is active here. */
  public boolean isActive(AlarmType type, long memberId) {
    return store.alarms(type).stream().anyMatch(a -> a.getMemberID() == memberId);
  }

  /** etcd 3.6's /readyz alarm check: "alarm activated: CORRUPT" while that alarm is active, else null. */
  public String activated(AlarmType type) {
    return store.alarms(type).isEmpty() ? null : "alarm activated: " + type.name();
  }

  static String text(AlarmMember a) {
    StringBuilder b = new StringBuilder();
    if (a.getMemberID() != 0) {
      b.append("memberID:").append(Long.toUnsignedString(a.getMemberID())).append(' ');
    }
    if (a.getAlarm() != AlarmType.NONE) {
      b.append("alarm:").append(a.getAlarm().name()).append(' ');
    }
    return b.toString();
  }
}
