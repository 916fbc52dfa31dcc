package io.cairn.storage.mvcc;

import static io.cairn.storage.mvcc.StoreFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HashKV against the values real etcd 3.4.23 answered (`etcdctl endpoint hashkv`) after the same requests; the
 * sequences and figures were recorded once from a fresh etcd and are repeated here.
 */
class MvccStoreHashTest {
  @TempDir Path dir;

  private static int hash(MvccStore s, long rev) {
    return s.hashKv(rev).hash();
  }

  private static long u32(long v) {
    return (int) v;
  }

  private static void compact(MvccStore s, long rev, boolean physical) {
    s.compact(CompactionRequest.newBuilder().setRevision(rev).setPhysical(physical).build(), 0);
  }

  @Test
  void emptyStoreHashesOnlyTheBucketName() {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      StoreHash h = s.hashKv(0);
      assertThat(h.hash()).isEqualTo(u32(1084519789L));
      assertThat(h.currentRevision()).isEqualTo(1);
      assertThat(h.compactRevision()).isEqualTo(-1);
      assertThat(h.hashRevision()).isEqualTo(1);
      put(s, "a", "1");
      // etcd hashes nothing below revision 0 and reports the revision as given
      assertThat(s.hashKv(-3).hash()).isEqualTo(u32(1084519789L));
      assertThat(s.hashKv(-3).hashRevision()).isEqualTo(-3);
    }
  }

  @Test
  void putsDeletesAndCompactionMatchEtcd() {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      put(s, "a", "1");
      put(s, "b", "2");
      put(s, "a", "3");
      delete(s, "b", "");
      put(s, "c", "");
      assertThat(hash(s, 0)).isEqualTo(u32(1947802976L));
      assertThat(hash(s, 3)).isEqualTo(u32(1827592406L));
      compact(s, 4, false); // whether or not the removal has finished, the hash is the same
      assertThat(hash(s, 0)).isEqualTo(u32(323977103L));
      s.awaitCompaction();
      assertThat(hash(s, 0)).isEqualTo(u32(323977103L));
      assertThat(s.hashKv(0).compactRevision()).isEqualTo(4);
      assertThatThrownBy(() -> s.hashKv(3)).hasMessage("etcdserver: mvcc: required revision has been compacted");
      assertThatThrownBy(() -> s.hashKv(7)).hasMessage("etcdserver: mvcc: required revision is a future revision");
    }
  }

  @Test
  void leasesAndAnEmptyKeySpaceAfterCompactionMatchEtcd() {
    long lease = 0x390da2495dea7709L;
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      put(s, "a", "1");
      put(s, "b", "2");
      s.leaseGrant(lease, 100, 0);
      s.put(putReq("e", "5").setLease(lease).build(), 0);
      delete(s, "a", "");
      assertThat(hash(s, 0)).isEqualTo(u32(1213641139L));
      compact(s, 5, true);
      assertThat(hash(s, 0)).isEqualTo(u32(762826058L));
      // every key (etcdctl del "" --prefix): with no key live, etcd hashes every version the compaction kept
      delete(s, "\0", "\0");
      assertThat(hash(s, 0)).isEqualTo(u32(2073302843L));
      put(s, "a", "9");
      assertThat(hash(s, 0)).isEqualTo(u32(1965927508L));
      assertThat(hash(s, 7)).isEqualTo(u32(1965927508L));
    }
  }

  @Test
  void txnSubRevisionsMatchEtcd() {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      put(s, "a", "1");
      s.txn(TxnRequest.newBuilder()
          .addSuccess(RequestOp.newBuilder().setRequestPut(putReq("c", "3")))
          .addSuccess(RequestOp.newBuilder().setRequestPut(putReq("d", "4"))).build(), 0);
      put(s, "c", "5");
      assertThat(hash(s, 0)).isEqualTo(u32(4211758754L));
      compact(s, 3, false);
      assertThat(hash(s, 0)).isEqualTo(u32(3418989386L));
      // etcd 3.6 hashes at the compact revision itself (3.4 refused it)
      assertThat(s.hashKv(3).hashRevision()).isEqualTo(3);
    }
  }

  @Test
  void wholeStoreHashCoversLeasesAndSurvivesReopen() {
    int before;
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      put(s, "a", "1");
      before = s.hash().hash();
      s.leaseGrant(7, 100, 0);
      assertThat(s.hash().hash()).isNotEqualTo(before);
      before = s.hash().hash();
      assertThat(s.historyEntries()).isEqualTo(1);
    }
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      assertThat(s.hash().hash()).isEqualTo(before);
    }
  }
}
