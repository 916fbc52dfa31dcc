package io.cairn.storage.mvcc;

import static io.cairn.storage.mvcc.StoreFixture.bs;
import static io.cairn.storage.mvcc.StoreFixture.compact;
import static io.cairn.storage.mvcc.StoreFixture.delete;
import static io.cairn.storage.mvcc.StoreFixture.delReq;
import static io.cairn.storage.mvcc.StoreFixture.fastOptions;
import static io.cairn.storage.mvcc.StoreFixture.kv;
import static io.cairn.storage.mvcc.StoreFixture.op;
import static io.cairn.storage.mvcc.StoreFixture.put;
import static io.cairn.storage.mvcc.StoreFixture.putReq;
import static io.cairn.storage.mvcc.StoreFixture.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.LeaseGrantResponse;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.mvccpb.Event;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leases in the store: grant/revoke/checkpoint, the key-attachment index, persistence (reference 3.1, 3.4, 3.8). */
class MvccStoreLeaseTest {
  @TempDir Path dir;
  MvccStore store;

  @BeforeEach
  void open() {
    store = MvccStore.open(dir, fastOptions());
  }

  @AfterEach
  void close() {
    store.close();
  }

  private void putLease(String k, String v, long lease) {
    store.put(putReq(k, v).setLease(lease).build(), 0);
  }

  private List<String> keysOf(long lease) {
    return store.leaseKeys(lease).stream().map(StoreFixture::str).toList();
  }

  private static void fails(Runnable r, MvccException.Code code, String message) {
    assertThatThrownBy(r::run).isInstanceOfSatisfying(MvccException.class, e -> {
      assertThat(e.code()).isEqualTo(code);
      assertThat(e.getMessage()).isEqualTo(message);
    });
  }

  @Test
  void grantRecordsTheLeaseWithoutARevision() {
    LeaseGrantResponse r = store.leaseGrant(10, 30, 0);
    assertThat(r.getID()).isEqualTo(10);
    assertThat(r.getTTL()).isEqualTo(30);
    assertThat(r.getHeader().getRevision()).isEqualTo(1);
    assertThat(store.currentRevision()).isEqualTo(1);
    assertThat(store.leaseExists(10)).isTrue();
    assertThat(store.leaseExists(11)).isFalse();
    assertThat(store.lease(10)).isEqualTo(new LeaseRecord(10, 30, 0));
    assertThat(store.leases()).containsExactly(new LeaseRecord(10, 30, 0));
  }

  @Test
  void grantErrorsAreEtcds() {
    store.leaseGrant(10, 30, 0);
    fails(() -> store.leaseGrant(10, 5, 0), MvccException.Code.FAILED_PRECONDITION, "etcdserver: lease already exists");
    fails(() -> store.leaseGrant(0, 5, 0), MvccException.Code.NOT_FOUND, "etcdserver: requested lease not found");
    fails(() -> store.leaseGrant(11, 9_000_000_001L, 0), MvccException.Code.OUT_OF_RANGE,
        "etcdserver: too large lease TTL");
    store.leaseGrant(12, 9_000_000_000L, 0);
    fails(() -> store.leaseRevoke(13, 0), MvccException.Code.NOT_FOUND, "etcdserver: requested lease not found");
    fails(() -> putLease("k", "v", 13), MvccException.Code.NOT_FOUND, "etcdserver: requested lease not found");
  }

  @Test
  void putsAndDeletesMaintainTheAttachments() {
    store.leaseGrant(1, 60, 0);
    store.leaseGrant(2, 60, 0);
    putLease("b", "1", 1);
    putLease("a", "1", 1);
    putLease("c", "1", 2);
    assertThat(keysOf(1)).containsExactly("a", "b");
    assertThat(keysOf(2)).containsExactly("c");

    putLease("b", "2", 2); // moves to lease 2
    assertThat(keysOf(1)).containsExactly("a");
    assertThat(keysOf(2)).containsExactly("b", "c");

    store.put(putReq("b", "3").setIgnoreLease(true).build(), 0); // keeps lease 2
    assertThat(kv(store, "b").getLease()).isEqualTo(2);
    assertThat(keysOf(2)).containsExactly("b", "c");

    put(store, "a", "no lease"); // lease 0 detaches
    assertThat(keysOf(1)).isEmpty();

    delete(store, "c", "");
    assertThat(keysOf(2)).containsExactly("b");

    // txn: put with a lease, delete range, all in one revision
    store.txn(TxnRequest.newBuilder()
        .addSuccess(op(putReq("x", "1").setLease(1)))
        .addSuccess(op(delReq("b", "bb")))
        .build(), 0);
    assertThat(keysOf(1)).containsExactly("x");
    assertThat(keysOf(2)).isEmpty();
  }

  @Test
  void revokeDeletesEveryAttachedKeyInOneRevisionInKeyOrder() {
    store.leaseGrant(1, 60, 0);
    putLease("k2", "v", 1);
    putLease("k1", "v", 1);
    put(store, "other", "v");
    putLease("k3", "v", 1);
    long before = store.currentRevision();

    long rev = store.leaseRevoke(1, 0).getHeader().getRevision();

    assertThat(rev).isEqualTo(before + 1);
    assertThat(store.currentRevision()).isEqualTo(rev);
    assertThat(store.leaseExists(1)).isFalse();
    assertThat(store.leaseKeys(1)).isEmpty();
    assertThat(kv(store, "k1")).isNull();
    assertThat(kv(store, "other")).isNotNull();
    List<Event> events = store.changesSince(rev, 0);
    assertThat(events).extracting(Event::getType).containsOnly(Event.EventType.DELETE);
    assertThat(events).extracting(e -> str(e.getKv().getKey())).containsExactly("k1", "k2", "k3");
    assertThat(events).extracting(e -> e.getKv().getModRevision()).containsOnly(rev);
    fails(() -> putLease("k1", "v", 1), MvccException.Code.NOT_FOUND, "etcdserver: requested lease not found");
  }

  @Test
  void revokeWithoutKeysDoesNotBumpTheRevision() {
    store.leaseGrant(1, 60, 0);
    putLease("k", "v", 1);
    put(store, "k", "detached");
    long before = store.currentRevision();
    assertThat(store.leaseRevoke(1, 0).getHeader().getRevision()).isEqualTo(before);
    assertThat(store.currentRevision()).isEqualTo(before);
    assertThat(kv(store, "k").getValue()).isEqualTo(bs("detached"));
  }

  @Test
  void checkpointRecordsTheRemainingTtlAndIgnoresUnknownLeases() {
    store.leaseGrant(1, 600, 0);
    store.leaseCheckpoint(1, 250, 0);
    store.leaseCheckpoint(42, 5, 0);
    assertThat(store.lease(1)).isEqualTo(new LeaseRecord(1, 600, 250));
    assertThat(store.lease(42)).isNull();
    store.leaseCheckpoint(1, 0, 0);
    assertThat(store.lease(1).remainingTtl()).isZero();
  }

  @Test
  void compactionKeepsTheAttachmentsOfLiveKeys() {
    store.leaseGrant(1, 60, 0);
    putLease("k", "v1", 1);
    for (int i = 0; i < 5; i++) put(store, "noise" + i, "v");
    putLease("k", "v2", 1);
    compact(store, store.currentRevision(), true);
    store.awaitCompaction();
    assertThat(keysOf(1)).containsExactly("k");
    store.leaseRevoke(1, 0);
    assertThat(kv(store, "k")).isNull();
  }

  @Test
  void leasesAndAttachmentsSurviveAReopenAndReplaysAreSkipped() {
    store.leaseGrant(1, 60, 5);
    store.put(putReq("k", "v").setLease(1).build(), 6);
    store.leaseCheckpoint(1, 40, 7);
    store.close();
    store = MvccStore.open(dir, fastOptions());
    assertThat(store.leases()).containsExactly(new LeaseRecord(1, 60, 40));
    assertThat(keysOf(1)).containsExactly("k");
    // raft replays entries up to the consistent index: skipped, not failed
    assertThat(store.leaseGrant(1, 60, 5).getID()).isZero();
    store.leaseRevoke(1, 8);
    assertThat(store.leaseRevoke(1, 8).getHeader().getRevision()).isEqualTo(store.currentRevision());
    assertThat(store.consistentIndex()).isEqualTo(8);
  }

  @Test
  void listenerIsToldTheExistingLeasesThenAppliedChangesOnly() {
    store.leaseGrant(1, 60, 1);
    List<String> seen = new ArrayList<>();
    store.subscribeLeases(new LeaseListener() {
      @Override
      public void granted(LeaseRecord lease) {
        seen.add("grant " + lease.id() + " " + lease.ttl());
      }

      @Override
      public void revoked(long id) {
        seen.add("revoke " + id);
      }

      @Override
      public void checkpointed(long id, long remainingTtl) {
        seen.add("checkpoint " + id + " " + remainingTtl);
      }

      @Override
      public void reset() {
        seen.add("reset");
      }
    });
    assertThat(seen).containsExactly("grant 1 60"); // the existing lease, replayed at subscription
    store.leaseGrant(1, 60, 1); // replay
    store.leaseGrant(2, 30, 2);
    assertThatThrownBy(() -> store.leaseGrant(2, 30, 3)).isInstanceOf(MvccException.class);
    store.leaseCheckpoint(2, 10, 4);
    store.leaseCheckpoint(9, 10, 5); // unknown: nothing to report
    store.leaseRevoke(1, 6);
    assertThat(seen).containsExactly("grant 1 60", "grant 2 30", "checkpoint 2 10", "revoke 1");
  }

  @Test
  void failedTxnLeavesAttachmentsAlone() {
    store.leaseGrant(1, 60, 0);
    putLease("a", "v", 1);
    // second op refers to a missing lease: the whole txn fails before writing
    assertThatThrownBy(() -> store.txn(TxnRequest.newBuilder()
        .addSuccess(op(putReq("a", "v2")))
        .addSuccess(op(putReq("b", "v").setLease(77)))
        .build(), 0)).isInstanceOf(MvccException.class);
    assertThat(keysOf(1)).containsExactly("a");
    assertThat(store.leaseKeys(77)).isEmpty();
    assertThat(kv(store, "b")).isNull();
    assertThat(store.leaseKeys(1)).containsExactly(ByteString.copyFromUtf8("a"));
  }

  @Test
  void restoringASnapshotResetsTheListenerAndReplaysTheSnapshotsLeases() throws Exception {
    // the snapshot comes from another member that is ahead (raft index 3): only a store ahead is installed
    Path otherDir = dir.resolveSibling(dir.getFileName() + "-other");
    Path snap;
    try (MvccStore other = MvccStore.open(otherDir, fastOptions())) {
      other.leaseGrant(1, 60, 1);
      other.put(putReq("k", "v").setLease(1).build(), 2);
      other.put(putReq("x", "y").build(), 3);
      snap = other.checkpoint(dir.resolveSibling(dir.getFileName() + "-snap"));
    }
    store.leaseGrant(2, 30, 1);
    List<String> seen = new ArrayList<>();
    store.subscribeLeases(new LeaseListener() {
      @Override
      public void granted(LeaseRecord lease) {
        seen.add("grant " + lease.id());
      }

      @Override
      public void revoked(long id) {
        seen.add("revoke " + id);
      }

      @Override
      public void checkpointed(long id, long remainingTtl) {}

      @Override
      public void reset() {
        seen.add("reset");
      }
    });
    assertThat(store.restoreFrom(snap)).isTrue();
    assertThat(seen).containsExactly("grant 2", "reset", "grant 1");
    assertThat(store.leases()).containsExactly(new LeaseRecord(1, 60, 0));
    assertThat(keysOf(1)).containsExactly("k");
  }
}
