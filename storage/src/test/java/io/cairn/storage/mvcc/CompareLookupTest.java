package io.cairn.storage.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.Compare;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.TxnResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.PerfContext;
import org.rocksdb.PerfLevel;

/**
 * Kubernetes updates every object by a compare-and-swap txn (mod_revision equal, then put, else get). Its compare
 * needs the key's header, not its value: it takes a point lookup in kv_live, and the txn opens no iterator, which
 * under the Kubernetes-shaped load cost more on the apply thread than the lookups (an iterator over the batch and
 * the database, a seek, and a copy of the value).
 */
class CompareLookupTest {
  @TempDir Path dir;

  private static final ByteString KEY = ByteString.copyFromUtf8("/registry/pods/default/web-0");

  @Test
  void aCompareAndSwapOnModRevisionSeeksNothingAndDecidesAsBefore() throws Exception {
    try (MvccStore s = MvccStore.open(dir, StoreOptions.builder().syncWrites(false).build())) {
      s.put(PutRequest.newBuilder().setKey(KEY).setValue(ByteString.copyFrom(new byte[4000])).build(), 0);
      long mod = s.range(RangeRequest.newBuilder().setKey(KEY).build()).getKvs(0).getModRevision();

      KvDatabase db = s.database();
      db.rocks().setPerfLevel(PerfLevel.ENABLE_COUNT);
      PerfContext perf = db.rocks().getPerfContext();
      perf.reset();
      TxnResponse swapped = s.txn(casUpdate(mod, "v2"), 0);
      long seeks = perf.getSeekOnMemtableCount();
      db.rocks().setPerfLevel(PerfLevel.DISABLE);

      assertThat(seeks).as("memtable seeks of a compare-and-swap").isZero();
      assertThat(swapped.getSucceeded()).isTrue();
      assertThat(value(s)).isEqualTo("v2");

      // the same compare against the old revision fails and takes the failure branch, which reads the key
      TxnResponse stale = s.txn(casUpdate(mod, "v3"), 0);
      assertThat(stale.getSucceeded()).isFalse();
      assertThat(stale.getResponses(0).getResponseRange().getKvs(0).getValue().toStringUtf8()).isEqualTo("v2");
      assertThat(value(s)).isEqualTo("v2");

      // an absent key compares as a zero key-value: mod_revision 0 holds, version > 0 does not
      ByteString absent = ByteString.copyFromUtf8("/registry/pods/default/web-9");
      assertThat(s.txn(compareOnly(absent, Compare.CompareTarget.MOD, Compare.CompareResult.EQUAL, 0), 0)
          .getSucceeded()).isTrue();
      assertThat(s.txn(compareOnly(absent, Compare.CompareTarget.VERSION, Compare.CompareResult.GREATER, 0), 0)
          .getSucceeded()).isFalse();
      // create_revision, version and lease come from the header as the iterator would give them
      assertThat(s.txn(compareOnly(KEY, Compare.CompareTarget.VERSION, Compare.CompareResult.EQUAL, 2), 0)
          .getSucceeded()).isTrue();
      assertThat(s.txn(compareOnly(KEY, Compare.CompareTarget.CREATE, Compare.CompareResult.EQUAL, mod), 0)
          .getSucceeded()).isTrue();
      assertThat(s.txn(compareOnly(KEY, Compare.CompareTarget.LEASE, Compare.CompareResult.EQUAL, 0), 0)
          .getSucceeded()).isTrue();
    }
  }

  private static TxnRequest casUpdate(long mod, String value) {
    return TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(KEY).setTarget(Compare.CompareTarget.MOD)
            .setResult(Compare.CompareResult.EQUAL).setModRevision(mod))
        .addSuccess(RequestOp.newBuilder().setRequestPut(
            PutRequest.newBuilder().setKey(KEY).setValue(ByteString.copyFromUtf8(value))))
        .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(KEY)))
        .build();
  }

  private static TxnRequest compareOnly(ByteString key, Compare.CompareTarget target, Compare.CompareResult result,
      long operand) {
    Compare.Builder c = Compare.newBuilder().setKey(key).setTarget(target).setResult(result);
    switch (target) {
      case MOD -> c.setModRevision(operand);
      case VERSION -> c.setVersion(operand);
      case CREATE -> c.setCreateRevision(operand);
      case LEASE -> c.setLease(operand);
      default -> throw new IllegalArgumentException(target.toString());
    }
    // a put on success makes it a write txn, which reads the newest state
    return TxnRequest.newBuilder().addCompare(c)
        .addSuccess(RequestOp.newBuilder().setRequestPut(
            PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("marker")).setValue(ByteString.EMPTY)))
        .build();
  }

  private static String value(MvccStore s) {
    return s.range(RangeRequest.newBuilder().setKey(KEY).build()).getKvs(0).getValue().toStringUtf8();
  }
}
