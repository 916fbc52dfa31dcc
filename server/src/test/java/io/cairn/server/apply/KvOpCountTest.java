package io.cairn.server.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.etcdserverpb.Compare;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.PutResponse;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.ResponseOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.TxnResponse;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.server.metrics.MemberEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Applied requests counted as etcd's mvcc counts them. */
class KvOpCountTest {
  /** What was reported: "ranges/puts/deletes/txn" per call, and slow applies. */
  static final class Recorder implements MemberEvents {
    final List<String> kv = new ArrayList<>();
    int slow;

    @Override
    public void kvApplied(int ranges, int puts, int deletes, boolean txn) {
      kv.add(ranges + "/" + puts + "/" + deletes + "/" + txn);
    }

    @Override
    public void slowApply() {
      slow++;
    }
  }

  @Test
  void putsDeletesAndTransactions() {
    Recorder r = new Recorder();
    KvOpCount.report(InternalRequest.newBuilder().setPut(PutRequest.getDefaultInstance()).build(),
        PutResponse.getDefaultInstance(), 1000, r);
    KvOpCount.report(InternalRequest.newBuilder().setDeleteRange(DeleteRangeRequest.getDefaultInstance()).build(),
        io.cairn.proto.etcdserverpb.DeleteRangeResponse.getDefaultInstance(), 1000, r);
    // a compare reads the key (a range); the taken branch put and read; a nested txn's put counts too
    TxnRequest txn = TxnRequest.newBuilder().addCompare(Compare.getDefaultInstance()).build();
    TxnResponse resp = TxnResponse.newBuilder()
        .addResponses(ResponseOp.newBuilder().setResponsePut(PutResponse.getDefaultInstance()))
        .addResponses(ResponseOp.newBuilder().setResponseRange(RangeResponse.getDefaultInstance()))
        .addResponses(ResponseOp.newBuilder().setResponseTxn(TxnResponse.newBuilder()
            .addResponses(ResponseOp.newBuilder().setResponsePut(PutResponse.getDefaultInstance()))))
        .build();
    KvOpCount.report(InternalRequest.newBuilder().setTxn(txn).build(), resp, TimeUnit.MILLISECONDS.toNanos(150), r);
    // a transaction of one put is only a put (etcd counts a txn when it did more than one operation)
    KvOpCount.report(InternalRequest.newBuilder().setTxn(TxnRequest.getDefaultInstance()).build(),
        TxnResponse.newBuilder().addResponses(ResponseOp.newBuilder().setResponsePut(PutResponse.getDefaultInstance()))
            .build(), 1000, r);
    assertThat(r.kv).containsExactly("0/1/0/false", "0/0/1/false", "2/2/0/true", "0/1/0/false");
    assertThat(r.slow).isEqualTo(1);
  }
}
