package io.cairn.storage.mvcc;

import static io.cairn.storage.mvcc.StoreFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.etcdserverpb.Compare;
import io.cairn.proto.etcdserverpb.Compare.CompareResult;
import io.cairn.proto.etcdserverpb.Compare.CompareTarget;
import io.cairn.proto.etcdserverpb.ResponseHeader;
import io.cairn.proto.etcdserverpb.ResponseOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.TxnResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Txn: compares, branches, nesting, read-your-writes, header revisions, all-or-nothing (reference 3.5). */
class MvccStoreTxnTest {
  @TempDir Path dir;
  MvccStore store;

  @BeforeEach
  void open() {
    store = MvccStore.open(dir, StoreOptions.builder().syncWrites(false).build());
    store.leaseGrant(5, 60, 0);
  }

  @AfterEach
  void close() {
    store.close();
  }

  TxnResponse txn(TxnRequest.Builder t) {
    return store.txn(t.build(), 0);
  }

  boolean holds(Compare.Builder c) {
    return txn(TxnRequest.newBuilder().addCompare(c)).getSucceeded();
  }

  @Test
  void compareTargetsAndResults() {
    store.put(putReq("k", "m").setLease(5).build(), 0); // rev 2
    put(store, "k", "n"); // rev 3: create 2, mod 3, version 2, lease 0
    assertThat(holds(cmp("k", CompareTarget.VERSION, CompareResult.EQUAL).setVersion(2))).isTrue();
    assertThat(holds(cmp("k", CompareTarget.VERSION, CompareResult.GREATER).setVersion(1))).isTrue();
    assertThat(holds(cmp("k", CompareTarget.VERSION, CompareResult.LESS).setVersion(2))).isFalse();
    assertThat(holds(cmp("k", CompareTarget.CREATE, CompareResult.EQUAL).setCreateRevision(2))).isTrue();
    assertThat(holds(cmp("k", CompareTarget.MOD, CompareResult.NOT_EQUAL).setModRevision(3))).isFalse();
    assertThat(holds(cmp("k", CompareTarget.MOD, CompareResult.LESS).setModRevision(4))).isTrue();
    assertThat(holds(cmp("k", CompareTarget.VALUE, CompareResult.EQUAL).setValue(bs("n")))).isTrue();
    assertThat(holds(cmp("k", CompareTarget.VALUE, CompareResult.GREATER).setValue(bs("m")))).isTrue();
    assertThat(holds(cmp("k", CompareTarget.VALUE, CompareResult.LESS).setValue(bs("nn")))).isTrue();
    assertThat(holds(cmp("k", CompareTarget.LEASE, CompareResult.EQUAL).setLease(0))).isTrue();
    // operand taken from the union field matching the target; another field counts as 0
    assertThat(holds(cmp("k", CompareTarget.MOD, CompareResult.EQUAL).setVersion(3))).isFalse();
    assertThat(holds(cmp("k", CompareTarget.MOD, CompareResult.GREATER).setVersion(3))).isTrue();
    // all compares must hold
    assertThat(txn(TxnRequest.newBuilder()
        .addCompare(cmp("k", CompareTarget.VERSION, CompareResult.EQUAL).setVersion(2))
        .addCompare(cmp("k", CompareTarget.VALUE, CompareResult.EQUAL).setValue(bs("x")))).getSucceeded()).isFalse();
  }

  @Test
  void missingKeyComparesAsZeroExceptValue() {
    assertThat(holds(cmp("nope", CompareTarget.MOD, CompareResult.EQUAL).setModRevision(0))).isTrue();
    assertThat(holds(cmp("nope", CompareTarget.CREATE, CompareResult.EQUAL).setCreateRevision(0))).isTrue();
    assertThat(holds(cmp("nope", CompareTarget.VERSION, CompareResult.EQUAL).setVersion(0))).isTrue();
    assertThat(holds(cmp("nope", CompareTarget.LEASE, CompareResult.EQUAL).setLease(0))).isTrue();
    for (CompareResult r : new CompareResult[] {CompareResult.EQUAL, CompareResult.NOT_EQUAL, CompareResult.GREATER,
        CompareResult.LESS}) {
      assertThat(holds(cmp("nope", CompareTarget.VALUE, r).setValue(bs("")))).as(r.name()).isFalse();
      assertThat(holds(cmp("nope", CompareTarget.VALUE, r).setValue(bs("x")))).as(r.name()).isFalse();
    }
    put(store, "d", "1");
    delete(store, "d", "");
    assertThat(holds(cmp("d", CompareTarget.VERSION, CompareResult.EQUAL).setVersion(0))).isTrue();
  }

  @Test
  void rangeCompareMustHoldForEveryKey() {
    put(store, "a1", "x");
    put(store, "a2", "x");
    put(store, "a3", "y");
    assertThat(holds(cmp("a1", CompareTarget.VALUE, CompareResult.EQUAL).setValue(bs("x")).setRangeEnd(bs("a3"))))
        .isTrue();
    assertThat(holds(cmp("a1", CompareTarget.VALUE, CompareResult.EQUAL).setValue(bs("x")).setRangeEnd(bs("a4"))))
        .isFalse();
    assertThat(holds(cmp("a", CompareTarget.CREATE, CompareResult.GREATER).setCreateRevision(1)
        .setRangeEnd(bs("\0")))).isTrue();
    // an empty range compares like a missing key
    assertThat(holds(cmp("b", CompareTarget.VERSION, CompareResult.EQUAL).setRangeEnd(bs("c")))).isTrue();
    assertThat(holds(cmp("b", CompareTarget.VALUE, CompareResult.NOT_EQUAL).setValue(bs("z"))
        .setRangeEnd(bs("c")))).isFalse();
  }

  @Test
  void branchesAndResponsesAreOneToOne() {
    put(store, "a", "1"); // rev 2
    TxnResponse r = txn(TxnRequest.newBuilder()
        .addCompare(cmp("a", CompareTarget.VALUE, CompareResult.EQUAL).setValue(bs("1")))
        .addSuccess(op(putReq("b", "2")))
        .addSuccess(op(rangeReq("a", "c")))
        .addSuccess(op(delReq("a", "")))
        .addFailure(op(putReq("c", "3"))));
    assertThat(r.getSucceeded()).isTrue();
    assertThat(r.getResponsesList()).extracting(ResponseOp::getResponseCase).containsExactly(
        ResponseOp.ResponseCase.RESPONSE_PUT, ResponseOp.ResponseCase.RESPONSE_RANGE,
        ResponseOp.ResponseCase.RESPONSE_DELETE_RANGE);
    assertThat(r.getHeader().getRevision()).isEqualTo(3);
    assertThat(store.currentRevision()).isEqualTo(3);
    assertThat(r.getResponses(0).getResponsePut().getHeader()).isEqualTo(header(3));
    assertThat(r.getResponses(2).getResponseDeleteRange().getDeleted()).isEqualTo(1);
    assertThat(kv(store, "c")).isNull();
    var events = store.changesSince(3, 0);
    assertThat(events).extracting(e -> str(e.getKv().getKey())).containsExactly("b", "a");
  }

  @Test
  void readYourWritesInsideTxn() {
    put(store, "a", "1"); // rev 2
    put(store, "z", "old"); // rev 3
    TxnResponse r = txn(TxnRequest.newBuilder()
        .addSuccess(op(rangeReq("a", "c"))) // before any write: at revision 3
        .addSuccess(op(putReq("a", "2")))
        .addSuccess(op(putReq("b", "3")))
        .addSuccess(op(rangeReq("a", "c"))) // after: sees both writes at revision 4
        .addSuccess(op(rangeReq("a", "c").setRevision(3))) // explicitly old
        .addSuccess(op(delReq("z", "").setPrevKv(true))));
    var before = r.getResponses(0).getResponseRange();
    assertThat(before.getHeader()).isEqualTo(header(3));
    assertThat(keys(before)).containsExactly("a");
    var after = r.getResponses(3).getResponseRange();
    assertThat(after.getHeader()).isEqualTo(header(4));
    assertThat(keys(after)).containsExactly("a", "b");
    assertThat(after.getKvs(0).getValue()).isEqualTo(bs("2"));
    assertThat(after.getKvs(0).getVersion()).isEqualTo(2);
    assertThat(after.getKvs(0).getModRevision()).isEqualTo(4);
    assertThat(after.getKvs(1).getCreateRevision()).isEqualTo(4);
    assertThat(keys(r.getResponses(4).getResponseRange())).containsExactly("a");
    assertThat(r.getResponses(4).getResponseRange().getKvs(0).getValue()).isEqualTo(bs("1"));
    var del = r.getResponses(5).getResponseDeleteRange();
    assertThat(del.getPrevKvs(0).getValue()).isEqualTo(bs("old"));
    assertThat(del.getHeader()).isEqualTo(header(4));
    assertThat(kv(store, "z")).isNull();
    assertThat(r.getHeader().getRevision()).isEqualTo(4);
    // events at the txn revision are in sub-revision order
    assertThat(store.changesSince(4, 0)).extracting(e -> e.getType().name() + ":" + str(e.getKv().getKey()))
        .containsExactly("PUT:a", "PUT:b", "DELETE:z");
  }

  @Test
  void readOnlyTxnKeepsRevision() {
    put(store, "a", "1");
    TxnResponse r = txn(TxnRequest.newBuilder().addSuccess(op(rangeReq("a", ""))).addSuccess(op(delReq("zz", ""))));
    assertThat(r.getHeader().getRevision()).isEqualTo(2);
    assertThat(r.getResponses(1).getResponseDeleteRange().getHeader()).isEqualTo(header(2));
    assertThat(store.currentRevision()).isEqualTo(2);
  }

  @Test
  void deleteOfNothingAfterAWriteReportsTheTxnRevision() {
    TxnResponse r = txn(TxnRequest.newBuilder().addSuccess(op(putReq("a", "1"))).addSuccess(op(delReq("zz", ""))));
    assertThat(r.getResponses(1).getResponseDeleteRange().getHeader()).isEqualTo(header(2));
    assertThat(r.getResponses(1).getResponseDeleteRange().getDeleted()).isZero();
  }

  @Test
  void nestedTxnsUsePreTxnStateForAllCompares() {
    put(store, "a", "1"); // rev 2
    TxnResponse r = txn(TxnRequest.newBuilder()
        .addSuccess(op(putReq("a", "2")))
        .addSuccess(op(TxnRequest.newBuilder()
            // evaluated before the outer put: a is still "1"
            .addCompare(cmp("a", CompareTarget.VALUE, CompareResult.EQUAL).setValue(bs("1")))
            .addSuccess(op(putReq("b", "yes")))
            .addFailure(op(putReq("b", "no")))))
        .addSuccess(op(TxnRequest.newBuilder()
            .addCompare(cmp("zz", CompareTarget.VERSION, CompareResult.GREATER))
            .addFailure(op(rangeReq("a", "c")))
            .addFailure(op(TxnRequest.newBuilder().addSuccess(op(putReq("c", "deep"))))))));
    assertThat(r.getSucceeded()).isTrue();
    assertThat(r.getHeader().getRevision()).isEqualTo(3);
    TxnResponse n1 = r.getResponses(1).getResponseTxn();
    assertThat(n1.getSucceeded()).isTrue();
    assertThat(n1.hasHeader()).isTrue();
    assertThat(n1.getHeader()).isEqualTo(ResponseHeader.getDefaultInstance()); // etcd leaves nested headers empty
    assertThat(n1.getResponses(0).getResponsePut().getHeader()).isEqualTo(header(3));
    TxnResponse n2 = r.getResponses(2).getResponseTxn();
    assertThat(n2.getSucceeded()).isFalse();
    assertThat(keys(n2.getResponses(0).getResponseRange())).containsExactly("a", "b");
    assertThat(n2.getResponses(1).getResponseTxn().getResponses(0).getResponsePut().getHeader()).isEqualTo(header(3));
    assertThat(kv(store, "b").getValue()).isEqualTo(bs("yes"));
    assertThat(kv(store, "c").getModRevision()).isEqualTo(3);
    assertThat(store.changesSince(3, 0)).extracting(e -> str(e.getKv().getKey())).containsExactly("a", "b", "c");
  }

  @Test
  void errorsInChosenBranchAbortWholeTxn() {
    put(store, "a", "1"); // rev 2
    TxnRequest.Builder leaseMissing = TxnRequest.newBuilder()
        .addSuccess(op(putReq("x", "1")))
        .addSuccess(op(putReq("y", "1").setLease(99)));
    assertThatThrownBy(() -> txn(leaseMissing)).hasMessage("etcdserver: requested lease not found");
    TxnRequest.Builder ignoreMissing = TxnRequest.newBuilder()
        .addSuccess(op(putReq("x", "1")))
        .addSuccess(op(TxnRequest.newBuilder().addSuccess(op(putReq("nokey", "").setIgnoreValue(true)))));
    assertThatThrownBy(() -> txn(ignoreMissing)).hasMessage("etcdserver: key not found");
    TxnRequest.Builder future = TxnRequest.newBuilder()
        .addSuccess(op(putReq("x", "1")))
        .addSuccess(op(rangeReq("a", "").setRevision(3))); // 3 is the txn's own revision: still future
    assertThatThrownBy(() -> txn(future)).hasMessage("etcdserver: mvcc: required revision is a future revision");
    assertThat(store.currentRevision()).isEqualTo(2);
    assertThat(kv(store, "x")).isNull();
    // errors in the branch that does not run do not matter
    TxnResponse ok = txn(TxnRequest.newBuilder()
        .addCompare(cmp("a", CompareTarget.VERSION, CompareResult.EQUAL).setVersion(7))
        .addSuccess(op(putReq("y", "1").setLease(99)))
        .addFailure(op(putReq("x", "1"))));
    assertThat(ok.getSucceeded()).isFalse();
    assertThat(store.currentRevision()).isEqualTo(3);
  }

  @Test
  void txnChecksKeyExistenceBeforeLease() {
    assertThatThrownBy(() -> txn(TxnRequest.newBuilder()
        .addSuccess(op(putReq("nokey", "").setIgnoreValue(true).setLease(99)))))
        .hasMessage("etcdserver: key not found");
  }

  @Test
  void rangeRevisionsInsideTxn() {
    put(store, "a", "1"); // 2
    put(store, "a", "2"); // 3
    compact(store, 3, true);
    assertThatThrownBy(() -> txn(TxnRequest.newBuilder().addSuccess(op(rangeReq("a", "").setRevision(2)))))
        .hasMessage("etcdserver: mvcc: required revision has been compacted");
    // etcd compares a negative revision with the compacted revision inside a txn
    assertThatThrownBy(() -> txn(TxnRequest.newBuilder().addSuccess(op(rangeReq("a", "").setRevision(-1)))))
        .hasMessage("etcdserver: mvcc: required revision has been compacted");
    TxnResponse ok = txn(TxnRequest.newBuilder().addSuccess(op(rangeReq("a", "").setRevision(3))));
    assertThat(ok.getResponses(0).getResponseRange().getKvs(0).getValue()).isEqualTo(bs("2"));
  }

  @Test
  void negativeRangeRevisionInTxnIsLatestWhileNeverCompacted() {
    put(store, "a", "1");
    TxnResponse r = txn(TxnRequest.newBuilder().addSuccess(op(rangeReq("a", "").setRevision(-1))));
    assertThat(keys(r.getResponses(0).getResponseRange())).containsExactly("a");
    assertThatThrownBy(() -> txn(TxnRequest.newBuilder().addSuccess(op(rangeReq("a", "").setRevision(-2)))))
        .hasMessage("etcdserver: mvcc: required revision has been compacted");
  }

  @Test
  void putTwiceInNestedBranchesIsAllowedAndVersionsChain() {
    put(store, "a", "1");
    TxnResponse r = txn(TxnRequest.newBuilder()
        .addSuccess(op(TxnRequest.newBuilder()
            .addCompare(cmp("a", CompareTarget.VERSION, CompareResult.EQUAL).setVersion(1))
            .addSuccess(op(putReq("k", "then")))
            .addFailure(op(putReq("k", "else"))))));
    assertThat(r.getResponses(0).getResponseTxn().getSucceeded()).isTrue();
    assertThat(kv(store, "k").getValue()).isEqualTo(bs("then"));
  }

  @Test
  void invalidTxnShapesAreRejectedByTheStoreToo() {
    assertThatThrownBy(() -> txn(TxnRequest.newBuilder()
        .addSuccess(op(putReq("a", "1"))).addSuccess(op(putReq("a", "2")))))
        .hasMessage("etcdserver: duplicate key given in txn request");
    assertThatThrownBy(() -> txn(TxnRequest.newBuilder().addSuccess(io.cairn.proto.etcdserverpb.RequestOp
        .getDefaultInstance()))).hasMessage("etcdserver: key not found");
    assertThat(store.currentRevision()).isEqualTo(1);
  }

  private static ResponseHeader header(long rev) {
    return ResponseHeader.newBuilder().setRevision(rev).build();
  }
}
