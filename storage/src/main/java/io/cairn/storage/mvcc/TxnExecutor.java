package io.cairn.storage.mvcc;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.ResponseHeader;
import io.cairn.proto.etcdserverpb.ResponseOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.TxnResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;
import java.util.function.Supplier;
import org.rocksdb.RocksIterator;

/**
 * etcd's Txn in three phases, like {@code server/etcdserver/txn/txn.go}:
 * <ol>
 *   <li>decide: evaluate every compare on the chosen path (outer and nested) against the state before the txn;
 *   <li>check: lease existence, ignore_value/ignore_lease key existence and Range revisions for the ops that will
 *       run, also against the state before the txn, so a failing txn is rejected before it writes anything;
 *   <li>execute: run the ops in order on one {@link WriteTxn}, each seeing the effects of the earlier ones.
 * </ol>
 * The caller commits the WriteTxn (or drops it if anything threw: no partial write is possible).
 *
 * <p>A read-only txn (only ranges, as etcd's {@code isTxnReadonly} decides) runs on a {@link TxnView} of one
 * point-in-time snapshot instead, off the apply thread.
 */
final class TxnExecutor {
  private final LongPredicate leaseExists;
  private final long firstRev;
  private final ResponseBudget budget;
  /** A range of a write txn that outgrew the budget: the txn's writes still apply, its caller gets this error. */
  private MvccException oversized;
  /** The lowest explicit revision a range of the executed branch read at (MAX_VALUE if none). */
  private long lowestRangeRev = Long.MAX_VALUE;

  /**
   * @param leaseExists the store's lease table (unchanged by a txn)
   * @param firstRev compacted revision, or -1 if never compacted
   * @param maxResponseBytes bound on the key-values all ranges of the txn may return
   */
  TxnExecutor(LongPredicate leaseExists, long firstRev, long maxResponseBytes) {
    this.leaseExists = leaseExists;
    this.firstRev = firstRev;
    this.budget = new ResponseBudget(maxResponseBytes);
  }

  /** etcd {@code isTxnReadonly}: every op of both branches is a range (a nested txn makes it a write txn). */
  static boolean isReadOnly(TxnRequest req) {
    for (RequestOp op : req.getSuccessList()) if (!op.hasRequestRange()) return false;
    for (RequestOp op : req.getFailureList()) if (!op.hasRequestRange()) return false;
    return true;
  }

  /** Set after {@link #execute} when a range outgrew the response budget; the writes were made regardless. */
  MvccException oversized() {
    return oversized;
  }

  long lowestRangeRevision() {
    return lowestRangeRev;
  }

  /** Which branch a txn takes, and the decisions of the nested txns in that branch, in op order. */
  private record Decision(boolean succeeded, List<Decision> nested) {}

  /** Returns the response without header.revision; the caller sets it (new revision, or current). */
  TxnResponse.Builder execute(TxnRequest req, WriteTxn w) {
    return run(req, decideAndCheck(req, w), w, w);
  }

  /** A txn {@link #isReadOnly}; every range reads through {@code view}, and an oversized one fails the txn. */
  TxnResponse.Builder executeReadOnly(TxnRequest req, TxnView view) {
    return run(req, decideAndCheck(req, view), view, null);
  }

  private Decision decideAndCheck(TxnRequest req, TxnView view) {
    try (LazyIterator it = new LazyIterator(view)) {
      Decision d = decide(req, view, it, view.readRev());
      check(req, d, view, it, view.readRev());
      return d;
    }
  }

  private Decision decide(TxnRequest req, TxnView view, LazyIterator it, long rev) {
    boolean ok = CompareEvaluator.all(req.getCompareList(), view, it, rev);
    List<Decision> nested = new ArrayList<>();
    for (RequestOp op : ok ? req.getSuccessList() : req.getFailureList()) {
      if (op.hasRequestTxn()) nested.add(decide(op.getRequestTxn(), view, it, rev));
    }
    return new Decision(ok, nested);
  }

  private void check(TxnRequest req, Decision d, TxnView view, LazyIterator it, long rev) {
    int n = 0;
    for (RequestOp op : d.succeeded() ? req.getSuccessList() : req.getFailureList()) {
      switch (op.getRequestCase()) {
        case REQUEST_RANGE -> checkRange(op.getRequestRange(), rev);
        case REQUEST_PUT -> checkPut(op.getRequestPut(), view, it, rev);
        case REQUEST_TXN -> check(op.getRequestTxn(), d.nested().get(n++), view, it, rev);
        default -> { }
      }
    }
  }

  /**
   * etcd {@code checkRange}: 0 is fine, > current is future, < first revision is compacted. Unlike a plain Range,
   * a negative revision is compared with the first revision (-1 when never compacted), as etcd does.
   */
  private void checkRange(RangeRequest r, long rev) {
    if (r.getRevision() == 0) return;
    if (r.getRevision() > rev) throw MvccException.futureRev();
    if (r.getRevision() < firstRev) throw MvccException.compacted();
  }

  /** etcd {@code checkPut}: key existence for ignore_* first, then the lease. */
  private void checkPut(PutRequest p, TxnView view, LazyIterator it, long rev) {
    if (p.getIgnoreValue() || p.getIgnoreLease()) {
      boolean[] exists = {false};
      if (view.readsNewest()) {
        exists[0] = view.header(p.getKey()) != null;
      } else {
        RangeReader.forEachLive(it.get(), KeyRange.of(p.getKey(), ByteString.EMPTY), rev, (k, i) -> {
          exists[0] = true;
          return false;
        });
      }
      if (!exists[0]) throw MvccException.keyNotFound();
    }
    if (p.getLease() != 0 && !leaseExists.test(p.getLease())) throw MvccException.leaseNotFound();
  }

  /** @param w where writes go; null for a read-only txn, which has none */
  private TxnResponse.Builder run(TxnRequest req, Decision d, TxnView view, WriteTxn w) {
    TxnResponse.Builder resp = TxnResponse.newBuilder().setSucceeded(d.succeeded());
    int n = 0;
    for (RequestOp op : d.succeeded() ? req.getSuccessList() : req.getFailureList()) {
      ResponseOp.Builder r = ResponseOp.newBuilder();
      switch (op.getRequestCase()) {
        case REQUEST_RANGE -> r.setResponseRange(range(op.getRequestRange(), view, w != null));
        case REQUEST_PUT -> r.setResponsePut(WriteOps.put(w, op.getRequestPut()));
        case REQUEST_DELETE_RANGE -> r.setResponseDeleteRange(WriteOps.deleteRange(w, op.getRequestDeleteRange()));
        // etcd never fills a nested txn's header: it is present but empty (revision 0)
        case REQUEST_TXN -> r.setResponseTxn(
            run(op.getRequestTxn(), d.nested().get(n++), view, w).setHeader(ResponseHeader.getDefaultInstance()));
        default -> { } // empty op (rejected by validation): empty response keeps responses 1:1 with ops
      }
      resp.addResponses(r);
    }
    return resp;
  }

  /**
   * In a write txn an oversized range must not change what the txn writes (the budget depends on this member's
   * heap, so members could disagree): the range answers empty, the writes go on, and the caller gets the error.
   */
  private RangeResponse range(RangeRequest r, TxnView view, boolean inWriteTxn) {
    if (r.getRevision() > 0) lowestRangeRev = Math.min(lowestRangeRev, r.getRevision());
    try {
      return RangeEvaluator.execute(r, view, view.readRev(), firstRev, budget);
    } catch (MvccException e) {
      if (!inWriteTxn || e.code() != MvccException.Code.RESOURCE_EXHAUSTED) throw e;
      if (oversized == null) oversized = e;
      return RangeResponse.getDefaultInstance();
    }
  }

  /**
   * The view's kv iterator, opened on first use: a txn whose compares and puts all take point lookups (a
   * compare-and-swap in a write txn) never creates one, which costs more than the lookups themselves.
   */
  private static final class LazyIterator implements Supplier<RocksIterator>, AutoCloseable {
    private final TxnView view;
    private RocksIterator it;

    LazyIterator(TxnView view) {
      this.view = view;
    }

    @Override
    public RocksIterator get() {
      if (it == null) it = view.newIterator();
      return it;
    }

    @Override
    public void close() {
      if (it != null) it.close();
    }
  }
}
