package io.cairn.server.alarm;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.LeaseGrantRequest;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** etcd's quota arithmetic: costs, the strict comparison, the default, and the disabled quota. */
class QuotaTest {
  static PutRequest put(int keyLen, int valueLen) {
    return PutRequest.newBuilder().setKey(ByteString.copyFrom(new byte[keyLen]))
        .setValue(ByteString.copyFrom(new byte[valueLen])).build();
  }

  static RequestOp op(PutRequest p) {
    return RequestOp.newBuilder().setRequestPut(p).build();
  }

  @Test
  void costsAreEtcds() {
    assertThat(Quota.cost(put(3, 10))).isEqualTo(256 + 13);
    assertThat(Quota.cost(LeaseGrantRequest.newBuilder().setTTL(5).build())).isEqualTo(64);
    // a txn costs the dearer branch's puts; reads, deletes and nested txns count nothing
    TxnRequest txn = TxnRequest.newBuilder().addSuccess(op(put(1, 1))).addSuccess(op(put(1, 1)))
        .addFailure(op(put(1, 100)))
        .addFailure(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder()))
        .addSuccess(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder().addSuccess(op(put(1, 9000)))))
        .build();
    assertThat(Quota.cost(txn)).isEqualTo(2 * (256 + 2)); // success 516 beats failure 357
    assertThat(Quota.cost(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder()
        .setRequestRange(RangeRequest.newBuilder())).build())).isZero();
  }

  @Test
  void availableWhileSizePlusCostStaysBelowTheQuota() {
    AtomicLong size = new AtomicLong(1000);
    Quota q = Quota.fromFlag(1000 + 256 + 11, size::get);
    assertThat(q.available(put(1, 9))).isTrue(); // 1000 + 266 < 1267
    assertThat(q.available(put(1, 10))).isFalse(); // equal is over
    size.set(5000);
    assertThat(q.available(TxnRequest.getDefaultInstance())).isTrue(); // writes nothing: always passes
    assertThat(q.available(LeaseGrantRequest.getDefaultInstance())).isFalse();
  }

  @Test
  void zeroMeansTwoGibibytesAndNegativeDisables() {
    AtomicLong size = new AtomicLong(Quota.DEFAULT_BYTES - 300);
    assertThat(Quota.fromFlag(0, size::get).available(put(0, 0))).isTrue();
    size.set(Quota.DEFAULT_BYTES);
    assertThat(Quota.fromFlag(0, size::get).available(put(0, 0))).isFalse();
    assertThat(Quota.fromFlag(-1, size::get).available(put(0, 1 << 20))).isTrue();
  }

  @Test
  void theSizeIsSampledAtMostOncePerInterval() {
    AtomicLong clock = new AtomicLong();
    AtomicLong measured = new AtomicLong();
    BackendSize s = new BackendSize(measured::incrementAndGet, clock::get, 50);
    assertThat(s.getAsLong()).isEqualTo(1);
    clock.set(49);
    assertThat(s.getAsLong()).isEqualTo(1);
    clock.set(50);
    assertThat(s.getAsLong()).isEqualTo(2);
  }

  @Test
  void statusErrorTextIsGoProtobufsCompactText() {
    assertThat(Alarms.text(io.cairn.proto.etcdserverpb.AlarmMember.newBuilder().setMemberID(-1)
        .setAlarm(io.cairn.proto.etcdserverpb.AlarmType.NOSPACE).build()))
        .isEqualTo("memberID:18446744073709551615 alarm:NOSPACE ");
    assertThat(Alarms.text(io.cairn.proto.etcdserverpb.AlarmMember.newBuilder()
        .setAlarm(io.cairn.proto.etcdserverpb.AlarmType.CORRUPT).build())).isEqualTo("alarm:CORRUPT ");
  }
}
