package io.cairn.storage.mvcc;

import static io.cairn.storage.mvcc.StoreFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.mvccpb.Event;
import io.cairn.proto.mvccpb.KeyValue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reopen, consistent index, change history for watch, sizes, and concurrent readers vs the writer. */
class MvccStorePersistenceTest {
  @TempDir Path dir;

  @Test
  void reopenPreservesRevisionsCompactRevisionAndConsistentIndex() {
    try (MvccStore s = MvccStore.open(dir, StoreOptions.defaults())) { // sync writes: the default
      s.put(putReq("a", "1").build(), 10);
      s.put(putReq("b", "2").build(), 11);
      s.put(putReq("a", "3").build(), 12);
      s.compact(CompactionRequest.newBuilder().setRevision(3).build(), 13);
      s.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("b")).build(), 14);
    }
    try (MvccStore s = MvccStore.open(dir, StoreOptions.defaults())) {
      assertThat(s.currentRevision()).isEqualTo(5);
      assertThat(s.compactRevision()).isEqualTo(3);
      assertThat(s.consistentIndex()).isEqualTo(14);
      KeyValue a = kv(s, "a");
      assertThat(a.getCreateRevision()).isEqualTo(2);
      assertThat(a.getVersion()).isEqualTo(2);
      assertThat(kv(s, "b")).isNull();
      assertThatThrownBy(() -> s.range(rangeReq("a", "").setRevision(2).build()))
          .hasMessage("etcdserver: mvcc: required revision has been compacted");
      assertThat(s.put(putReq("c", "x").build(), 15).getHeader().getRevision()).isEqualTo(6);
    }
  }

  @Test
  void writesAtOrBelowTheStoredConsistentIndexAreSkipped() {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      assertThat(s.put(putReq("k", "v1").build(), 5).getHeader().getRevision()).isEqualTo(2);
      assertThat(s.consistentIndex()).isEqualTo(5);
      // replay of index 5 and an older index: no-ops answering with the current revision
      assertThat(s.put(putReq("k", "v2").build(), 5).getHeader().getRevision()).isEqualTo(2);
      assertThat(s.deleteRange(delReq("k", "").build(), 4).getDeleted()).isZero();
      assertThat(s.txn(TxnRequest.newBuilder().addSuccess(op(putReq("z", "1"))).build(), 3).getHeader()
          .getRevision()).isEqualTo(2);
      assertThat(s.compact(CompactionRequest.newBuilder().setRevision(2).build(), 5).getHeader().getRevision())
          .isEqualTo(2);
      assertThat(s.compactRevision()).isZero();
      assertThat(kv(s, "k").getValue()).isEqualTo(bs("v1"));
      assertThat(s.currentRevision()).isEqualTo(2);
      // index 0 (no raft) always applies and leaves the stored index alone
      s.put(putReq("k", "v3").build(), 0);
      assertThat(s.currentRevision()).isEqualTo(3);
      assertThat(s.consistentIndex()).isEqualTo(5);
      // a write that changes nothing still records its index
      s.deleteRange(delReq("nothing", "").build(), 6);
      assertThat(s.consistentIndex()).isEqualTo(6);
      assertThat(s.currentRevision()).isEqualTo(3);
      // a failed write changes nothing, not even the index
      assertThatThrownBy(() -> s.put(putReq("k", "v").setLease(1).build(), 7)).isInstanceOf(MvccException.class);
      assertThat(s.consistentIndex()).isEqualTo(6);
    }
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      assertThat(s.consistentIndex()).isEqualTo(6);
    }
  }

  @Test
  void changesSinceReturnsRevisionOrderedEvents() {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      put(s, "a", "1"); // 2
      put(s, "b", "1"); // 3
      put(s, "a", "2"); // 4
      s.txn(TxnRequest.newBuilder().addSuccess(op(putReq("c", "1"))).addSuccess(op(delReq("a", "b"))).build(), 0);
      delete(s, "b", ""); // 6
      List<Event> all = s.changesSince(0, 0);
      assertThat(all).extracting(e -> e.getType() + ":" + str(e.getKv().getKey()) + "@" + e.getKv().getModRevision())
          .containsExactly("PUT:a@2", "PUT:b@3", "PUT:a@4", "PUT:c@5", "DELETE:a@5", "DELETE:b@6");
      Event create = all.get(0);
      assertThat(create.getKv().getCreateRevision()).isEqualTo(create.getKv().getModRevision());
      assertThat(create.getKv().getVersion()).isEqualTo(1);
      assertThat(create.getKv().getValue()).isEqualTo(bs("1"));
      assertThat(all.get(2).getKv().getVersion()).isEqualTo(2);
      assertThat(all.get(2).getKv().getCreateRevision()).isEqualTo(2);
      Event del = all.get(4);
      assertThat(del.getKv()).isEqualTo(KeyValue.newBuilder().setKey(bs("a")).setModRevision(5).build());
      assertThat(del.hasPrevKv()).isFalse();
      // revision-limited batches never split a revision
      assertThat(s.changesSince(4, 2)).extracting(e -> e.getKv().getModRevision()).containsExactly(4L, 5L, 5L);
      assertThat(s.changesSince(5, 1)).hasSize(2);
      assertThat(s.changesSince(7, 10)).isEmpty();
      compact(s, 4, true);
      assertThatThrownBy(() -> s.changesSince(3, 0))
          .hasMessage("etcdserver: mvcc: required revision has been compacted");
      assertThat(s.changesSince(4, 0)).extracting(e -> e.getKv().getModRevision()).containsExactly(4L, 5L, 5L, 6L);
    }
  }

  @Test
  void sizesAreReported() {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      assertThat(s.dbSizeBytes()).isPositive();
      for (int i = 0; i < 100; i++) put(s, "k" + i, "x".repeat(1000));
      long size = s.dbSizeBytes();
      assertThat(size).isGreaterThan(100_000);
      assertThat(s.dbSizeInUseBytes()).isPositive().isLessThanOrEqualTo(size);
    }
  }

  @Test
  void closedStoreRefusesCalls() {
    MvccStore s = MvccStore.open(dir, fastOptions());
    s.close();
    s.close(); // idempotent
    assertThatThrownBy(() -> get(s, "a")).isInstanceOfSatisfying(MvccException.class,
        e -> assertThat(e.code()).isEqualTo(MvccException.Code.FAILED_PRECONDITION));
    assertThatThrownBy(() -> put(s, "a", "b")).isInstanceOf(MvccException.class);
  }

  @Test
  void concurrentReadersNeverSeePartOfARevision() throws Exception {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      List<Thread> readers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        Thread r = new Thread(() -> {
          try {
            while (!stop.get()) {
              RangeResponse resp = s.range(rangeReq("k", "l").build());
              if (resp.getCount() == 0) continue;
              assertThat(resp.getCount()).isEqualTo(10);
              long mod = resp.getKvs(0).getModRevision();
              assertThat(resp.getKvsList()).allSatisfy(kv -> assertThat(kv.getModRevision()).isEqualTo(mod));
              assertThat(mod).isLessThanOrEqualTo(resp.getHeader().getRevision());
              // a read at the header revision sees exactly the same state
              RangeResponse again = s.range(rangeReq("k", "l").setRevision(resp.getHeader().getRevision()).build());
              assertThat(again.getKvs(0).getModRevision()).isGreaterThanOrEqualTo(mod);
            }
          } catch (Throwable e) {
            failure.compareAndSet(null, e);
          }
        });
        r.start();
        readers.add(r);
      }
      for (int i = 0; i < 300; i++) {
        TxnRequest.Builder t = TxnRequest.newBuilder();
        for (int k = 0; k < 10; k++) t.addSuccess(op(putReq("k" + k, "v" + i)));
        s.txn(t.build(), i + 1);
      }
      stop.set(true);
      for (Thread r : readers) r.join();
      if (failure.get() != null) throw new AssertionError(failure.get());
      assertThat(s.currentRevision()).isEqualTo(301);
    }
  }
}
