package io.cairn.storage.mvcc;

import static io.cairn.storage.mvcc.StoreFixture.*;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.etcdserverpb.Compare;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** etcd v3rpc/key.go request checks: rules, order and messages. */
class RequestValidationTest {
  static final String DUP = "etcdserver: duplicate key given in txn request";

  static ThrowingCallable txn(TxnRequest.Builder t) {
    return () -> RequestValidation.validateTxn(t.build(), 128);
  }

  static void rejected(ThrowingCallable c, String message) {
    assertThatThrownBy(c).isInstanceOfSatisfying(MvccException.class, e -> {
      org.assertj.core.api.Assertions.assertThat(e.code()).isEqualTo(MvccException.Code.INVALID_ARGUMENT);
      org.assertj.core.api.Assertions.assertThat(e.getMessage()).isEqualTo(message);
    });
  }

  @Test
  void simpleRequests() {
    rejected(() -> RequestValidation.validateRange(rangeReq("", "").build()), "etcdserver: key is not provided");
    rejected(() -> RequestValidation.validateRange(rangeReq("a", "").setSortOrderValue(-1).build()),
        "etcdserver: invalid sort option");
    rejected(() -> RequestValidation.validateRange(rangeReq("a", "").setSortTargetValue(9).build()),
        "etcdserver: invalid sort option");
    rejected(() -> RequestValidation.validatePut(putReq("", "v").build()), "etcdserver: key is not provided");
    rejected(() -> RequestValidation.validatePut(putReq("a", "v").setIgnoreValue(true).build()),
        "etcdserver: value is provided");
    rejected(() -> RequestValidation.validatePut(putReq("a", "").setIgnoreLease(true).setLease(1).build()),
        "etcdserver: lease is provided");
    rejected(() -> RequestValidation.validateDeleteRange(delReq("", "").build()), "etcdserver: key is not provided");
    assertThatCode(() -> RequestValidation.validatePut(putReq("a", "").setIgnoreValue(true).setIgnoreLease(true)
        .build())).doesNotThrowAnyException();
  }

  @Test
  void opCountLimitAndNestedBudget() {
    TxnRequest.Builder big = TxnRequest.newBuilder();
    for (int i = 0; i < 129; i++) big.addCompare(cmp("k" + i, Compare.CompareTarget.VERSION, Compare.CompareResult.EQUAL));
    rejected(txn(big), "etcdserver: too many operations in txn request");
    TxnRequest.Builder ok = TxnRequest.newBuilder();
    for (int i = 0; i < 128; i++) ok.addSuccess(op(putReq("k" + i, "v")));
    assertThatCode(txn(ok)).doesNotThrowAnyException();
    // 100 ops at the top leave a budget of 28 for a nested txn
    TxnRequest.Builder nested = TxnRequest.newBuilder();
    for (int i = 0; i < 99; i++) nested.addSuccess(op(rangeReq("r" + i, "")));
    TxnRequest.Builder inner = TxnRequest.newBuilder();
    for (int i = 0; i < 29; i++) inner.addSuccess(op(rangeReq("i" + i, "")));
    nested.addSuccess(op(inner));
    rejected(txn(nested), "etcdserver: too many operations in txn request");
  }

  @Test
  void emptyKeysAndEmptyOps() {
    rejected(txn(TxnRequest.newBuilder().addCompare(cmp("", Compare.CompareTarget.VERSION,
        Compare.CompareResult.EQUAL))), "etcdserver: key is not provided");
    rejected(txn(TxnRequest.newBuilder().addFailure(RequestOp.getDefaultInstance())), "etcdserver: key not found");
    rejected(txn(TxnRequest.newBuilder().addSuccess(op(TxnRequest.newBuilder().addSuccess(op(putReq("", "x")))))),
        "etcdserver: key is not provided");
    rejected(txn(TxnRequest.newBuilder().addSuccess(op(rangeReq("a", "").setSortOrderValue(7)))),
        "etcdserver: invalid sort option");
  }

  @Test
  void shapeChecksComeBeforeDuplicateChecks() {
    rejected(txn(TxnRequest.newBuilder()
        .addSuccess(op(putReq("a", "1"))).addSuccess(op(putReq("a", "2")))
        .addFailure(RequestOp.getDefaultInstance())), "etcdserver: key not found");
  }

  @Test
  void duplicateKeys() {
    rejected(txn(TxnRequest.newBuilder().addSuccess(op(putReq("a", "1"))).addSuccess(op(putReq("a", "2")))), DUP);
    rejected(txn(TxnRequest.newBuilder().addSuccess(op(putReq("b", "1"))).addSuccess(op(delReq("a", "c")))), DUP);
    rejected(txn(TxnRequest.newBuilder().addSuccess(op(delReq("b", ""))).addSuccess(op(putReq("b", "1")))), DUP);
    // nested put vs outer put / outer delete / nested delete of a sibling
    rejected(txn(TxnRequest.newBuilder().addSuccess(op(putReq("a", "1")))
        .addSuccess(op(TxnRequest.newBuilder().addSuccess(op(putReq("a", "2")))))), DUP);
    rejected(txn(TxnRequest.newBuilder().addSuccess(op(delReq("a", "z")))
        .addSuccess(op(TxnRequest.newBuilder().addFailure(op(putReq("m", "2")))))), DUP);
    rejected(txn(TxnRequest.newBuilder()
        .addSuccess(op(TxnRequest.newBuilder().addSuccess(op(delReq("a", "z")))))
        .addSuccess(op(putReq("q", "2")))), DUP);
    rejected(txn(TxnRequest.newBuilder()
        .addSuccess(op(TxnRequest.newBuilder().addSuccess(op(putReq("k", "1")))))
        .addSuccess(op(TxnRequest.newBuilder().addFailure(op(putReq("k", "2")))))), DUP);
  }

  @Test
  void allowedOverlaps() {
    // same key in both branches of one nested txn
    assertThatCode(txn(TxnRequest.newBuilder().addSuccess(op(TxnRequest.newBuilder()
        .addSuccess(op(putReq("k", "1"))).addFailure(op(putReq("k", "2"))))))).doesNotThrowAnyException();
    // success and failure of the top txn are separate
    assertThatCode(txn(TxnRequest.newBuilder().addSuccess(op(putReq("k", "1"))).addFailure(op(putReq("k", "2")))))
        .doesNotThrowAnyException();
    // overlapping deletes, ranges reading a written key
    assertThatCode(txn(TxnRequest.newBuilder().addSuccess(op(delReq("a", "c"))).addSuccess(op(delReq("b", "d")))
        .addSuccess(op(rangeReq("x", ""))).addSuccess(op(putReq("x", "1"))))).doesNotThrowAnyException();
    // delete range end is exclusive
    assertThatCode(txn(TxnRequest.newBuilder().addSuccess(op(delReq("a", "c"))).addSuccess(op(putReq("c", "1")))))
        .doesNotThrowAnyException();
    // etcd quirk: a "from key" delete (range_end "\0") is not seen as covering any put
    assertThatCode(txn(TxnRequest.newBuilder().addSuccess(op(delReq("a", "\0"))).addSuccess(op(putReq("b", "1")))))
        .doesNotThrowAnyException();
  }
}
