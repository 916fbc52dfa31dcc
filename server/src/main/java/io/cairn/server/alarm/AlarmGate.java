package io.cairn.server.alarm;

import io.cairn.proto.etcdserverpb.AlarmMember;
import io.cairn.proto.etcdserverpb.AlarmType;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.server.api.EtcdErrors;
import io.cairn.server.apply.ApplyGate;
import io.cairn.storage.mvcc.MvccStore;
import java.util.List;

/**
 * etcd's alarm appliers on the apply thread. While CORRUPT is active every write is refused with "corrupt cluster";
 * while NOSPACE is active Put, Txn with puts and LeaseGrant are refused with "database space exceeded" (deletes,
 * compactions, revokes and alarm changes go through). The alarms are the store's, changed only by applied entries,
 * so every member refuses the same entries. Past its own quota, a member applies the write but answers NOSPACE and
 * raises the alarm, as etcd's quota applier does.
 */
public final class AlarmGate implements ApplyGate {
  private final MvccStore store;
  private final Quota quota;
  private volatile Runnable raiseNoSpace = () -> { };

  public AlarmGate(MvccStore store, Quota quota) {
    this.store = store;
    this.quota = quota;
  }

  /** What raises this member's NOSPACE alarm (through Raft, never waiting on the apply thread). */
  public void onQuotaExceeded(Runnable raise) {
    raiseNoSpace = raise;
  }

  @Override
  public void beforeApply(InternalRequest req) {
    List<AlarmMember> alarms = store.alarms();
    if (alarms.isEmpty()) {
      return;
    }
    if (has(alarms, AlarmType.CORRUPT) && refusedWhileCorrupt(req)) {
      throw EtcdErrors.corrupt();
    }
    if (has(alarms, AlarmType.NOSPACE) && Quota.cost(payload(req)) > 0) {
      throw EtcdErrors.noSpace();
    }
  }

  @Override
  public boolean quotaAvailable(InternalRequest req) {
    return quota.available(req);
  }

  @Override
  public void afterApply(InternalRequest req, boolean quotaWasAvailable) {
    if (quotaWasAvailable) {
      return;
    }
    if (!has(store.alarms(), AlarmType.NOSPACE)) {
      raiseNoSpace.run();
    }
    throw EtcdErrors.noSpace();
  }

  static boolean has(List<AlarmMember> alarms, AlarmType type) {
    for (AlarmMember a : alarms) {
      if (a.getAlarm() == type) {
        return true;
      }
    }
    return false;
  }

  /**
   * etcd's corrupt applier refuses these; lease checkpoints and member attributes still apply, and a read-only txn
   * (which etcd serves without Raft) is served.
   */
  private static boolean refusedWhileCorrupt(InternalRequest req) {
    return switch (req.getRequestCase()) {
      case PUT, DELETE_RANGE, COMPACTION, LEASE_GRANT, LEASE_REVOKE -> true;
      case TXN -> writes(req.getTxn());
      default -> false;
    };
  }

  private static boolean writes(io.cairn.proto.etcdserverpb.TxnRequest t) {
    for (var ops : List.of(t.getSuccessList(), t.getFailureList())) {
      for (io.cairn.proto.etcdserverpb.RequestOp op : ops) {
        if (op.hasRequestPut() || op.hasRequestDeleteRange() || (op.hasRequestTxn() && writes(op.getRequestTxn()))) {
          return true;
        }
      }
    }
    return false;
  }

  /** The request whose cost the capped applier weighs (a Txn costs only if it puts). */
  private static com.google.protobuf.Message payload(InternalRequest req) {
    return switch (req.getRequestCase()) {
      case PUT -> req.getPut();
      case TXN -> req.getTxn();
      case LEASE_GRANT -> req.getLeaseGrant();
      default -> io.cairn.proto.etcdserverpb.RangeRequest.getDefaultInstance();
    };
  }
}
