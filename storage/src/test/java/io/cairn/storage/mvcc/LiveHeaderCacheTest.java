package io.cairn.storage.mvcc;

import static io.cairn.storage.mvcc.StoreFixture.bs;
import static io.cairn.storage.mvcc.StoreFixture.fastOptions;
import static io.cairn.storage.mvcc.StoreFixture.kv;
import static io.cairn.storage.mvcc.StoreFixture.putReq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.etcdserverpb.TxnRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's cache of live rows never answers with a row the store did not commit: not a refused write's, not one
 * the cache evicted or a restore replaced. Each case would give a put the wrong version or create revision.
 */
class LiveHeaderCacheTest {
  @TempDir Path dir;

  private static StoreOptions rows(int n) {
    return StoreOptions.builder().syncWrites(false).blockCacheBytes(8 << 20).writeBufferBytes(4 << 20)
        .liveCacheRows(n).build();
  }

  @Test
  void leastRecentlyUsedRowsLeaveFirst() {
    LiveHeaderCache c = new LiveHeaderCache(2);
    c.read(new byte[] {'a'}, new byte[] {1});
    c.read(new byte[] {'b'}, new byte[] {2});
    assertThat(c.get(bs("a"))).containsExactly(1); // a is now the most recently used
    c.read(new byte[] {'c'}, new byte[] {3});
    assertThat(c.get(bs("b"))).isNull();
    assertThat(c.get(bs("a"))).containsExactly(1);
    c.committed(bs("a"), new byte[] {4});
    assertThat(c.get(bs("a"))).containsExactly(4);
    c.committed(bs("d"), new byte[] {5}); // a committed row of a key not held is not taken
    assertThat(c.get(bs("d"))).isNull();
    c.committed(bs("a"), null); // no longer live
    assertThat(c.get(bs("a"))).isNull();
    assertThat(c.size()).isEqualTo(1);
    LiveHeaderCache none = new LiveHeaderCache(0);
    none.read(new byte[] {'a'}, new byte[] {1});
    assertThat(none.get(bs("a"))).isNull();
  }

  /** Rows committed, evicted and read back give every put the version and create revision the store holds. */
  @Test
  void evictedRowsAreReadBackFromTheStore() {
    try (MvccStore s = MvccStore.open(dir, rows(2))) {
      for (int round = 1; round <= 3; round++) {
        try (StoreBatch b = s.newBatch()) {
          for (String k : new String[] {"a", "b", "c", "d"}) b.put(putReq(k, "v" + round).build(), 0);
          b.commit();
        }
      }
      assertThat(s.database().liveCache.size()).isEqualTo(2);
      for (String k : new String[] {"a", "b", "c", "d"}) assertThat(kv(s, k).getVersion()).isEqualTo(3);
      for (String k : new String[] {"a", "b", "c", "d"}) {
        var prev = s.put(putReq(k, "last").setPrevKv(true).build(), 0).getPrevKv();
        assertThat(prev.getVersion()).as(k).isEqualTo(3);
        assertThat(kv(s, k).getVersion()).as(k).isEqualTo(4);
        assertThat(kv(s, k).getCreateRevision()).as(k).isEqualTo(prev.getCreateRevision());
      }
    }
  }

  /** A txn that deleted keys and was then refused must not leave its deletions in the cache. */
  @Test
  void aRefusedTxnLeavesNoRows() {
    try (MvccStore s = MvccStore.open(dir, fastOptions()); StoreBatch b = s.newBatch()) {
      b.put(putReq("a", "1").build(), 1);
      b.commit();
      var txn = TxnRequest.newBuilder()
          .addSuccess(StoreFixture.op(StoreFixture.delReq("a", "\0")))
          .addSuccess(StoreFixture.op(putReq("zz", "").setIgnoreValue(true)));
      assertThatThrownBy(() -> b.txn(txn.build(), 2)).hasMessage("etcdserver: key not found");
      b.put(putReq("a", "2").build(), 3); // in the same batch: must see "a" live at version 1
      b.commit();
      assertThat(kv(s, "a").getVersion()).isEqualTo(2);
      assertThat(kv(s, "a").getCreateRevision()).isEqualTo(2);
      b.put(putReq("a", "3").build(), 4); // in the next batch, from the cache
      b.commit();
      assertThat(kv(s, "a").getVersion()).isEqualTo(3);
    }
  }

  /** A load of new keys finds no rows to read, so it fills no heap. */
  @Test
  void newKeysTakeNoRows() {
    try (MvccStore s = MvccStore.open(dir, fastOptions()); StoreBatch b = s.newBatch()) {
      for (int i = 0; i < 100; i++) b.put(putReq("k" + i, "v").build(), i + 1);
      b.commit();
      assertThat(s.database().liveCache.size()).isZero();
      b.put(putReq("k1", "w").build(), 101);
      b.commit();
      assertThat(s.database().liveCache.size()).isEqualTo(1);
    }
  }

  /** A batch dropped without commit (the process died first) teaches the cache nothing. */
  @Test
  void anUncommittedBatchTeachesNothing() {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      s.put(putReq("k", "1").build(), 1);
      try (StoreBatch b = s.newBatch()) {
        b.put(putReq("k", "2").build(), 2);
        b.put(putReq("k", "3").build(), 3);
        assertThat(b.put(putReq("k", "4").setPrevKv(true).build(), 4).getPrevKv().getVersion()).isEqualTo(3);
      }
      assertThat(s.put(putReq("k", "5").setPrevKv(true).build(), 2).getPrevKv().getVersion()).isEqualTo(1);
      assertThat(kv(s, "k").getVersion()).isEqualTo(2);
    }
  }

  /** A store replaced by a copy (a snapshot from the leader) answers from the copy's rows, not the old cache's. */
  @Test
  void aRestoredStoreStartsWithoutTheOldRows() {
    Path src = dir.resolve("src");
    Path copy;
    try (MvccStore s = MvccStore.open(src, fastOptions())) {
      s.put(putReq("k", "theirs").build(), 20);
      copy = s.checkpoint(dir.resolve("ckpt"));
    }
    try (MvccStore s = MvccStore.open(dir.resolve("store"), fastOptions())) {
      for (int i = 1; i <= 5; i++) s.put(putReq("k", "mine" + i).build(), i);
      assertThat(kv(s, "k").getVersion()).isEqualTo(5);
      assertThat(s.restoreFrom(copy)).isTrue();
      s.put(putReq("k", "next").build(), 21);
      assertThat(kv(s, "k").getVersion()).isEqualTo(2);
      assertThat(kv(s, "k").getCreateRevision()).isEqualTo(2);
      assertThat(kv(s, "k").getValue()).isEqualTo(bs("next"));
    }
  }
}
