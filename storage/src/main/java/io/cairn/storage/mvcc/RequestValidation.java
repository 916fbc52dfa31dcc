package io.cairn.storage.mvcc;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.Compare;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Request-shape checks that etcd performs in its gRPC layer ({@code server/etcdserver/api/v3rpc/key.go}) before a
 * request is proposed to raft: same rules, same order, same messages. They depend only on the request, so the API
 * layer runs them before proposing; {@link MvccStore} runs them again (cheaply) so it never applies an ill-formed
 * request.
 */
public final class RequestValidation {
  private static final Comparator<ByteString> BYTES = ByteString.unsignedLexicographicalComparator();

  private RequestValidation() {}

  /** etcd {@code checkRangeRequest}: key present; sort order/target are known enum values. */
  public static void validateRange(RangeRequest r) {
    if (r.getKey().isEmpty()) throw MvccException.invalid(MvccException.EMPTY_KEY);
    int order = r.getSortOrderValue();
    if (order < 0 || order > 2) throw MvccException.invalid(MvccException.INVALID_SORT);
    int target = r.getSortTargetValue();
    if (target < 0 || target > 4) throw MvccException.invalid(MvccException.INVALID_SORT);
  }

  /** etcd {@code checkPutRequest}. */
  public static void validatePut(PutRequest r) {
    if (r.getKey().isEmpty()) throw MvccException.invalid(MvccException.EMPTY_KEY);
    if (r.getIgnoreValue() && !r.getValue().isEmpty()) throw MvccException.invalid(MvccException.VALUE_PROVIDED);
    if (r.getIgnoreLease() && r.getLease() != 0) throw MvccException.invalid(MvccException.LEASE_PROVIDED);
  }

  /** etcd {@code checkDeleteRequest}. */
  public static void validateDeleteRange(DeleteRangeRequest r) {
    if (r.getKey().isEmpty()) throw MvccException.invalid(MvccException.EMPTY_KEY);
  }

  /**
   * etcd {@code checkTxnRequest} (op counts, empty keys, empty ops, recursively) followed by {@code checkIntervals}
   * on both branches (no key written twice in one branch).
   *
   * @param maxTxnOps {@code --max-txn-ops} (etcd default 128)
   */
  public static void validateTxn(TxnRequest r, int maxTxnOps) {
    checkTxn(r, maxTxnOps);
    // etcd checks overlaps only after the cheap checks, to avoid quadratic work on rejected requests
    checkIntervals(r.getSuccessList());
    checkIntervals(r.getFailureList());
  }

  private static void checkTxn(TxnRequest r, int maxTxnOps) {
    int opc = Math.max(r.getCompareCount(), Math.max(r.getSuccessCount(), r.getFailureCount()));
    if (opc > maxTxnOps) throw MvccException.invalid(MvccException.TOO_MANY_OPS);
    for (Compare c : r.getCompareList()) {
      if (c.getKey().isEmpty()) throw MvccException.invalid(MvccException.EMPTY_KEY);
    }
    // nested txns get the budget left over by this level, as in etcd
    for (RequestOp op : r.getSuccessList()) checkOp(op, maxTxnOps - opc);
    for (RequestOp op : r.getFailureList()) checkOp(op, maxTxnOps - opc);
  }

  private static void checkOp(RequestOp op, int maxTxnOps) {
    switch (op.getRequestCase()) {
      case REQUEST_RANGE -> validateRange(op.getRequestRange());
      case REQUEST_PUT -> validatePut(op.getRequestPut());
      case REQUEST_DELETE_RANGE -> validateDeleteRange(op.getRequestDeleteRange());
      case REQUEST_TXN -> checkTxn(op.getRequestTxn(), maxTxnOps);
      default -> throw MvccException.invalid(MvccException.KEY_NOT_FOUND); // empty RequestOp
    }
  }

  /**
   * A delete's key interval as etcd's {@code adt.StringAffineInterval}: {@code [begin, end)} with an empty end meaning
   * +infinity; a single-key delete is {@code [key, key+"\0")}. etcd does not treat a range_end of "\0" specially here,
   * so such a delete ("all keys >= key") never conflicts with a put; we keep that quirk to accept exactly what etcd
   * accepts.
   */
  private record Interval(ByteString begin, ByteString end) {
    boolean covers(ByteString k) {
      return BYTES.compare(begin, k) <= 0 && (end.isEmpty() || BYTES.compare(k, end) < 0);
    }
  }

  private record Writes(Set<ByteString> puts, List<Interval> dels) {
    boolean deleted(ByteString k) {
      for (Interval iv : dels) {
        if (iv.covers(k)) return true;
      }
      return false;
    }
  }

  /** Port of etcd's {@code checkIntervals}: returns the puts and deletes of {@code reqs}, including nested txns. */
  private static Writes checkIntervals(List<RequestOp> reqs) {
    List<Interval> dels = new ArrayList<>();
    for (RequestOp op : reqs) {
      if (op.getRequestCase() != RequestOp.RequestCase.REQUEST_DELETE_RANGE) continue;
      DeleteRangeRequest d = op.getRequestDeleteRange();
      ByteString end = d.getRangeEnd().isEmpty() ? d.getKey().concat(ByteString.copyFrom(new byte[] {0})) : d.getRangeEnd();
      dels.add(new Interval(d.getKey(), end));
    }
    Writes here = new Writes(new HashSet<>(), dels);
    for (RequestOp op : reqs) {
      if (op.getRequestCase() != RequestOp.RequestCase.REQUEST_TXN) continue;
      Writes then = checkIntervals(op.getRequestTxn().getSuccessList());
      Writes otherwise = checkIntervals(op.getRequestTxn().getFailureList());
      for (ByteString k : then.puts()) {
        if (here.puts().contains(k) || here.deleted(k)) throw MvccException.invalid(MvccException.DUPLICATE_KEY);
        here.puts().add(k);
      }
      for (ByteString k : otherwise.puts()) {
        // the same key in both branches of one nested txn is fine: only one branch runs
        if (here.puts().contains(k) && !then.puts().contains(k)) throw MvccException.invalid(MvccException.DUPLICATE_KEY);
        if (here.deleted(k)) throw MvccException.invalid(MvccException.DUPLICATE_KEY);
        here.puts().add(k);
      }
      dels.addAll(then.dels());
      dels.addAll(otherwise.dels());
    }
    for (RequestOp op : reqs) {
      if (op.getRequestCase() != RequestOp.RequestCase.REQUEST_PUT) continue;
      ByteString k = op.getRequestPut().getKey();
      if (here.puts().contains(k) || here.deleted(k)) throw MvccException.invalid(MvccException.DUPLICATE_KEY);
      here.puts().add(k);
    }
    return here;
  }
}
