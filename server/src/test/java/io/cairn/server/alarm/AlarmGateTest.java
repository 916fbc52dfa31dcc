package io.cairn.server.alarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.AlarmRequest;
import io.cairn.proto.etcdserverpb.AlarmType;
import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.LeaseCheckpointRequest;
import io.cairn.proto.etcdserverpb.LeaseGrantRequest;
import io.cairn.proto.etcdserverpb.LeaseRevokeRequest;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreBatch;
import io.cairn.storage.mvcc.StoreOptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's capped, corrupt and quota appliers, as the apply gate enforces them from the store's alarms. */
class AlarmGateTest {
  @TempDir
  Path dir;
  MvccStore store;
  final AtomicLong size = new AtomicLong();
  final AtomicInteger raised = new AtomicInteger();
  AlarmGate gate;
  long index;

  @BeforeEach
  void open() {
    store = MvccStore.open(dir, StoreOptions.builder().syncWrites(false).build());
    gate = new AlarmGate(store, Quota.fromFlag(10_000, size::get));
    gate.onQuotaExceeded(raised::incrementAndGet);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private void alarm(AlarmRequest.AlarmAction action, AlarmType type) {
    try (StoreBatch b = store.newBatch()) {
      b.alarm(AlarmRequest.newBuilder().setAction(action).setMemberID(1).setAlarm(type).build(), ++index);
    }
  }

  static final InternalRequest PUT = InternalRequest.newBuilder().setPut(PutRequest.newBuilder()
      .setKey(ByteString.copyFromUtf8("k"))).build();
  static final InternalRequest TXN_PUT = InternalRequest.newBuilder().setTxn(TxnRequest.newBuilder()
      .addFailure(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")))))
      .build();
  static final InternalRequest TXN_READ = InternalRequest.newBuilder().setTxn(TxnRequest.newBuilder()
      .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder()))).build();
  static final InternalRequest TXN_DELETE = InternalRequest.newBuilder().setTxn(TxnRequest.newBuilder()
      .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder()))).build();
  static final InternalRequest DELETE = InternalRequest.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder())
      .build();
  static final InternalRequest COMPACT = InternalRequest.newBuilder().setCompaction(CompactionRequest.newBuilder())
      .build();
  static final InternalRequest GRANT = InternalRequest.newBuilder().setLeaseGrant(LeaseGrantRequest.newBuilder())
      .build();
  static final InternalRequest REVOKE = InternalRequest.newBuilder().setLeaseRevoke(LeaseRevokeRequest.newBuilder())
      .build();
  static final InternalRequest CHECKPOINT = InternalRequest.newBuilder()
      .setLeaseCheckpoint(LeaseCheckpointRequest.newBuilder()).build();

  private Status.Code refusal(InternalRequest req) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> gate.beforeApply(req));
    return e == null ? null : e.getStatus().getCode();
  }

  @Test
  void nothingIsRefusedWithoutAlarms() {
    for (InternalRequest r : new InternalRequest[] {PUT, TXN_PUT, TXN_READ, DELETE, COMPACT, GRANT, REVOKE}) {
      assertThat(refusal(r)).isNull();
    }
  }

  @Test
  void noSpaceRefusesPutsTxnsThatPutAndGrantsOnly() {
    alarm(AlarmRequest.AlarmAction.ACTIVATE, AlarmType.NOSPACE);
    assertThat(refusal(PUT)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refusal(TXN_PUT)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refusal(GRANT)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refusal(TXN_READ)).isNull();
    assertThat(refusal(TXN_DELETE)).isNull();
    assertThat(refusal(DELETE)).isNull();
    assertThat(refusal(COMPACT)).isNull();
    assertThat(refusal(REVOKE)).isNull();
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> gate.beforeApply(PUT));
    assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: mvcc: database space exceeded");
    alarm(AlarmRequest.AlarmAction.DEACTIVATE, AlarmType.NOSPACE);
    assertThat(refusal(PUT)).isNull();
  }

  @Test
  void corruptRefusesEveryWriteButNotReadsOrCheckpoints() {
    alarm(AlarmRequest.AlarmAction.ACTIVATE, AlarmType.NOSPACE);
    alarm(AlarmRequest.AlarmAction.ACTIVATE, AlarmType.CORRUPT);
    for (InternalRequest r : new InternalRequest[] {PUT, TXN_PUT, TXN_DELETE, DELETE, COMPACT, GRANT, REVOKE}) {
      assertThat(refusal(r)).as(r.getRequestCase().name()).isEqualTo(Status.Code.DATA_LOSS);
    }
    assertThat(refusal(TXN_READ)).isNull();
    assertThat(refusal(CHECKPOINT)).isNull();
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> gate.beforeApply(DELETE));
    assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: corrupt cluster");
  }

  @Test
  void pastTheQuotaAWriteIsAnsweredNoSpaceAndTheAlarmRaisedOnce() {
    size.set(9_000);
    assertThat(gate.quotaAvailable(PUT)).isTrue(); // 9000 + 257 < 10000
    assertThatCode(() -> gate.afterApply(PUT, true)).doesNotThrowAnyException();
    size.set(9_800);
    assertThat(gate.quotaAvailable(PUT)).isFalse();
    assertThat(gate.quotaAvailable(DELETE)).isTrue();
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> gate.afterApply(PUT, false));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(raised).hasValue(1);
    alarm(AlarmRequest.AlarmAction.ACTIVATE, AlarmType.NOSPACE);
    catchThrowableOfType(StatusRuntimeException.class, () -> gate.afterApply(PUT, false));
    assertThat(raised).as("not raised again while active").hasValue(1);
  }
}
