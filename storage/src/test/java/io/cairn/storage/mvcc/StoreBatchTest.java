package io.cairn.storage.mvcc;

import static io.cairn.storage.mvcc.StoreFixture.bs;
import static io.cairn.storage.mvcc.StoreFixture.fastOptions;
import static io.cairn.storage.mvcc.StoreFixture.kv;
import static io.cairn.storage.mvcc.StoreFixture.putReq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A StoreBatch commits many raft entries atomically, with the consistent index of the last one. */
class StoreBatchTest {
  @TempDir Path dir;

  @Test
  void nothingIsVisibleOrDurableBeforeCommit() {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      try (StoreBatch b = s.newBatch()) {
        assertThat(b.put(putReq("a", "1").build(), 1).getHeader().getRevision()).isEqualTo(2);
        assertThat(b.put(putReq("b", "2").build(), 2).getHeader().getRevision()).isEqualTo(3);
        assertThat(kv(s, "a")).isNull();
        assertThat(s.currentRevision()).isEqualTo(1);
        assertThat(s.consistentIndex()).isZero();
        // dropped without commit: as if the process died before the batch was written
      }
    }
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      assertThat(kv(s, "a")).isNull();
      assertThat(s.currentRevision()).isEqualTo(1);
      assertThat(s.consistentIndex()).isZero();
    }
  }

  @Test
  void commitWritesEveryEntryAndTheLastIndexTogether() {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      try (StoreBatch b = s.newBatch()) {
        b.put(putReq("a", "1").build(), 1);
        b.put(putReq("a", "2").build(), 2);
        b.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("zz")).build(), 3); // deletes nothing
        assertThat(b.size()).isEqualTo(3);
        b.commit();
        assertThat(b.size()).isZero();
      }
      assertThat(s.consistentIndex()).isEqualTo(3);
      assertThat(s.currentRevision()).isEqualTo(3);
      assertThat(kv(s, "a").getVersion()).isEqualTo(2);
    }
    try (MvccStore s = MvccStore.open(dir, fastOptions());
        StoreBatch replay = s.newBatch()) {
      assertThat(s.consistentIndex()).isEqualTo(3);
      // replaying the same entries after a restart stages nothing and answers with the current revision
      assertThat(replay.put(putReq("a", "3").build(), 2).getHeader().getRevision()).isEqualTo(3);
      assertThat(replay.put(putReq("a", "4").build(), 4).getHeader().getRevision()).isEqualTo(4);
      replay.commit();
      assertThat(kv(s, "a").getValue()).isEqualTo(bs("4"));
      assertThat(kv(s, "a").getVersion()).isEqualTo(3);
      assertThat(s.consistentIndex()).isEqualTo(4);
    }
  }

  @Test
  void aRefusedWriteLeavesTheRestOfTheBatchAlone() {
    try (MvccStore s = MvccStore.open(dir, fastOptions()); StoreBatch b = s.newBatch()) {
      b.put(putReq("a", "1").build(), 1);
      // ignore_value on a missing key is refused after it staged nothing; a lease that does not exist likewise
      assertThatThrownBy(() -> b.put(putReq("missing", "").setIgnoreValue(true).build(), 2))
          .isInstanceOf(MvccException.class).hasMessage("etcdserver: key not found");
      assertThatThrownBy(() -> b.put(putReq("c", "3").setLease(42).build(), 3))
          .isInstanceOf(MvccException.class).hasMessage("etcdserver: requested lease not found");
      assertThat(b.put(putReq("b", "2").setPrevKv(true).build(), 4).getHeader().getRevision()).isEqualTo(3);
      b.commit();
      assertThat(s.currentRevision()).isEqualTo(3);
      assertThat(kv(s, "c")).isNull();
      assertThat(kv(s, "missing")).isNull();
      assertThat(kv(s, "b").getModRevision()).isEqualTo(3);
      assertThat(s.consistentIndex()).isEqualTo(4);
    }
  }

  @Test
  void laterWritesSeeEarlierOnesInTheSameBatch() {
    try (MvccStore s = MvccStore.open(dir, fastOptions()); StoreBatch b = s.newBatch()) {
      b.leaseGrant(7, 60, 1);
      b.put(putReq("k", "v").setLease(7).build(), 2); // the lease granted just before is found
      assertThat(b.put(putReq("k", "w").setPrevKv(true).setIgnoreLease(true).build(), 3).getPrevKv().getValue())
          .isEqualTo(bs("v"));
      assertThat(b.leaseRevoke(7, 4).getHeader().getRevision()).isEqualTo(4); // deletes the attached key
      assertThatThrownBy(() -> b.leaseRevoke(7, 5)).hasMessage("etcdserver: requested lease not found");
      b.commit();
      assertThat(kv(s, "k")).isNull();
      assertThat(s.leases()).isEmpty();
      assertThat(s.leaseKeys(7)).isEmpty();
      assertThat(s.currentRevision()).isEqualTo(4);
      assertThat(s.consistentIndex()).isEqualTo(4);
    }
  }

  /** A txn that fails after it staged deletes is rolled back; the writes around it stay. */
  @Test
  void aTxnRefusedMidwayIsRolledBack() {
    try (MvccStore s = MvccStore.open(dir, fastOptions()); StoreBatch b = s.newBatch()) {
      b.put(putReq("a", "1").build(), 1);
      b.put(putReq("b", "2").build(), 2);
      // deletes every key from "a" on (staged), then puts "b" with ignore_value: "b" is gone by then
      var txn = io.cairn.proto.etcdserverpb.TxnRequest.newBuilder()
          .addSuccess(StoreFixture.op(StoreFixture.delReq("a", "\0")))
          .addSuccess(StoreFixture.op(putReq("b", "").setIgnoreValue(true)));
      assertThatThrownBy(() -> b.txn(txn.build(), 3)).hasMessage("etcdserver: key not found");
      assertThat(b.put(putReq("c", "3").build(), 4).getHeader().getRevision()).isEqualTo(4);
      b.commit();
      assertThat(kv(s, "a").getValue()).isEqualTo(bs("1"));
      assertThat(kv(s, "b").getValue()).isEqualTo(bs("2"));
      assertThat(kv(s, "c").getModRevision()).isEqualTo(4);
      assertThat(s.currentRevision()).isEqualTo(4);
      assertThat(s.changesSince(2, 0)).hasSize(3); // a, b and c: no delete events
    }
  }

  /** The lease listener hears of a grant only when the batch holding it is written. */
  @Test
  void leaseListenersHearOnlyCommittedChanges() {
    try (MvccStore s = MvccStore.open(dir, fastOptions()); StoreBatch b = s.newBatch()) {
      java.util.List<Long> granted = new java.util.ArrayList<>();
      s.subscribeLeases(new LeaseListener() {
        public void granted(LeaseRecord lease) { granted.add(lease.id()); }
        public void revoked(long id) { }
        public void checkpointed(long id, long remainingTtl) { }
        public void reset() { }
      });
      b.leaseGrant(5, 60, 1);
      assertThat(granted).isEmpty();
      b.commit();
      assertThat(granted).containsExactly(5L);
    }
  }
}
