package io.cairn.storage.mvcc;

import static io.cairn.storage.mvcc.StoreFixture.bs;
import static io.cairn.storage.mvcc.StoreFixture.kv;
import static io.cairn.storage.mvcc.StoreFixture.op;
import static io.cairn.storage.mvcc.StoreFixture.putReq;
import static io.cairn.storage.mvcc.StoreFixture.rangeReq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.TxnResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One Range or Txn response holds at most maxResponseBytes of key-values: a larger one fails with gRPC's
 * ResourceExhausted text instead of being built whole; a write txn's writes still apply.
 */
class ResponseBoundTest {
  private static final long MAX = 20_000;
  @TempDir Path dir;
  private MvccStore store;

  @BeforeEach
  void fill() {
    store = MvccStore.open(dir, StoreOptions.builder().syncWrites(false).blockCacheBytes(8 << 20)
        .writeBufferBytes(4 << 20).maxResponseBytes(MAX).build());
    String value = "v".repeat(1000);
    for (int i = 0; i < 50; i++) store.put(putReq(String.format("k%02d", i), value).build(), 0);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void aRangeOverTheBoundFailsWithResourceExhausted() {
    assertThatThrownBy(() -> store.range(rangeReq("k", "l").build()))
        .isInstanceOfSatisfying(MvccException.class, e -> {
          assertThat(e.code()).isEqualTo(MvccException.Code.RESOURCE_EXHAUSTED);
          assertThat(e.getMessage()).startsWith("grpc: trying to send message larger than max (")
              .endsWith(" vs. " + MAX + ")");
        });
    // what fits is served: a limit, keys only, count only
    assertThat(store.range(rangeReq("k", "l").setLimit(10).build()).getKvsCount()).isEqualTo(10);
    assertThat(store.range(rangeReq("k", "l").setKeysOnly(true).build()).getKvsCount()).isEqualTo(50);
    assertThat(store.range(rangeReq("k", "l").setCountOnly(true).build()).getCount()).isEqualTo(50);
  }

  @Test
  void aWriteTxnWithAnOversizedRangeStillWrites() {
    TxnRequest t = TxnRequest.newBuilder()
        .addSuccess(op(putReq("written", "yes")))
        .addSuccess(op(rangeReq("k", "l")))
        .build();
    long before = store.currentRevision();
    assertThatThrownBy(() -> store.txn(t, 0)).isInstanceOfSatisfying(MvccException.class,
        e -> assertThat(e.code()).isEqualTo(MvccException.Code.RESOURCE_EXHAUSTED));
    // the same on every member whatever its bound: the put is applied
    assertThat(store.currentRevision()).isEqualTo(before + 1);
    assertThat(kv(store, "written").getValue()).isEqualTo(bs("yes"));
  }

  @Test
  void aReadOnlyTxnIsBoundedAcrossItsRanges() {
    RangeRequest.Builder first = rangeReq("k00", "k15");
    TxnResponse r = store.readOnlyTxn(TxnRequest.newBuilder().addSuccess(op(first)).build());
    assertThat(r.getResponses(0).getResponseRange().getKvsCount()).isEqualTo(15);
    assertThat(r.getHeader().getRevision()).isEqualTo(store.currentRevision());
    // two ranges that fit alone but not together
    TxnRequest both = TxnRequest.newBuilder().addSuccess(op(first)).addSuccess(op(rangeReq("k15", "k30"))).build();
    assertThatThrownBy(() -> store.readOnlyTxn(both)).isInstanceOfSatisfying(MvccException.class,
        e -> assertThat(e.code()).isEqualTo(MvccException.Code.RESOURCE_EXHAUSTED));
  }
}
