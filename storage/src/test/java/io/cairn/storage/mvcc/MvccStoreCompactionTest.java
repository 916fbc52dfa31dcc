package io.cairn.storage.mvcc;

import static io.cairn.storage.mvcc.StoreFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.proto.etcdserverpb.CompactionResponse;
import io.cairn.proto.etcdserverpb.RangeResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.WriteBatch;

/** Compaction semantics, physical removal, crash/close mid-way and concurrent readers (reference 3.6). */
class MvccStoreCompactionTest {
  static final String COMPACTED = "etcdserver: mvcc: required revision has been compacted";
  @TempDir Path dir;

  /** a: 2,3,4 then deleted at 10; b: put 5, deleted 6; c: 7 and 9; d: 8. */
  static void history(MvccStore s) {
    put(s, "a", "a2");
    put(s, "a", "a3");
    put(s, "a", "a4");
    put(s, "b", "b5");
    delete(s, "b", "");
    put(s, "c", "c7");
    put(s, "d", "d8");
    put(s, "c", "c9");
    delete(s, "a", "");
  }

  @Test
  void compactValidatesRevisionAndKeepsStoreRevision() {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      history(s);
      assertThatThrownBy(() -> compact(s, 11, false))
          .hasMessage("etcdserver: mvcc: required revision is a future revision");
      CompactionResponse r = s.compact(CompactionRequest.newBuilder().setRevision(5).build(), 0);
      assertThat(r.getHeader().getRevision()).isEqualTo(10);
      assertThat(s.currentRevision()).isEqualTo(10);
      assertThat(s.compactRevision()).isEqualTo(5);
      assertThatThrownBy(() -> compact(s, 5, false)).isInstanceOfSatisfying(MvccException.class, e -> {
        assertThat(e.code()).isEqualTo(MvccException.Code.OUT_OF_RANGE);
        assertThat(e.getMessage()).isEqualTo(COMPACTED);
      });
      assertThatThrownBy(() -> compact(s, 4, false)).hasMessage(COMPACTED);
      compact(s, 10, true); // compacting to the current revision is allowed
      assertThat(s.compactRevision()).isEqualTo(10);
    }
  }

  @Test
  void readsBelowCompactRevisionFailAtItSucceed() {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      history(s);
      compact(s, 8, false); // reads below fail at once, even before physical removal
      assertThatThrownBy(() -> s.range(rangeReq("a", "").setRevision(7).build())).hasMessage(COMPACTED);
      assertThatThrownBy(() -> s.changesSince(7, 0)).hasMessage(COMPACTED);
      s.awaitCompaction();
      RangeResponse at8 = s.range(rangeReq("\0", "\0").setRevision(8).build());
      assertThat(keys(at8)).containsExactly("a", "c", "d");
      assertThat(at8.getKvsList()).extracting(kv -> str(kv.getValue())).containsExactly("a4", "c7", "d8");
      assertThat(at8.getKvs(0).getVersion()).isEqualTo(3);
      assertThat(at8.getKvs(0).getCreateRevision()).isEqualTo(2);
      assertThat(keys(s.range(rangeReq("\0", "\0").build()))).containsExactly("c", "d");
      assertThat(s.range(rangeReq("c", "").setRevision(9).build()).getKvs(0).getVersion()).isEqualTo(2);
      assertThat(s.changesSince(8, 0)).extracting(e -> e.getKv().getModRevision()).containsExactly(8L, 9L, 10L);
    }
  }

  @Test
  void physicalCompactionKeepsNewestVersionAtOrBelowAndDropsTombstones() {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      history(s);
      assertThat(rawCount(s, s.database().kv)).isEqualTo(9);
      compact(s, 8, true);
      // a: kept 4 + tombstone 10; b: gone (tombstone 6 <= 8); c: 7 and 9; d: 8
      assertThat(rawCount(s, s.database().kv)).isEqualTo(5);
      assertThat(rawCount(s, s.database().rev)).isEqualTo(3); // revisions 8, 9, 10
      assertThat(s.database().metaLong(KvDatabase.META_COMPACT_FINISHED, -1)).isEqualTo(8);
      compact(s, 10, true);
      // a: tombstone 10 dropped with 4; c: 9; d: 8
      assertThat(rawCount(s, s.database().kv)).isEqualTo(2);
      assertThat(rawCount(s, s.database().rev)).isEqualTo(1);
      assertThat(keys(s.range(rangeReq("\0", "\0").setRevision(10).build()))).containsExactly("c", "d");
    }
  }

  @Test
  void manySmallBatchesGiveTheSameResult() {
    StoreOptions o = StoreOptions.builder().syncWrites(false).compactionBatchOps(2).build();
    try (MvccStore s = MvccStore.open(dir, o)) {
      for (int round = 0; round < 5; round++) {
        for (int k = 0; k < 20; k++) put(s, "k" + k, "v" + round);
      }
      for (int k = 0; k < 20; k += 2) delete(s, "k" + k, "");
      long c = s.currentRevision();
      compact(s, c - 5, false);
      s.awaitCompaction();
      // 10 keys deleted in the last 10 revisions: the 5 deleted at or below C are gone entirely,
      // the 5 deleted after C keep their version at C plus the tombstone; 10 live keys keep one version
      assertThat(rawCount(s, s.database().kv)).isEqualTo(5 * 2 + 10);
      assertThat(rawCount(s, s.database().rev)).isEqualTo(6);
      assertThat(s.range(rangeReq("\0", "\0").build()).getCount()).isEqualTo(10);
    }
  }

  /**
   * etcdctl check datascale's shape: 10,000 keys put, the prefix deleted, compacted to the delete. Every key appears
   * twice in the revisions (put, tombstone); its second visit finds it gone and must not scan the tombstones left by
   * the keys before it (that made this take minutes).
   */
  @Test
  void compactingADeletedPrefixOfManyKeysIsFast() {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      for (int k = 0; k < 10_000; k++) put(s, String.format("/check/%05d", k), "v");
      delete(s, "/check/", "/check0");
      long started = System.nanoTime();
      compact(s, s.currentRevision(), true);
      assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(java.time.Duration.ofSeconds(10));
      assertThat(rawCount(s, s.database().kv)).isZero();
    }
  }

  @Test
  void interruptedCompactionResumesOnOpen() {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      history(s);
    }
    // simulate a crash after the compaction was recorded and part of the removal was written:
    // a's oldest version is gone, nothing else
    try (KvDatabase db = KvDatabase.open(dir, fastOptions()); WriteBatch b = new WriteBatch()) {
      b.put(db.meta, KvDatabase.META_COMPACT_SCHEDULED, KeyCodec.longBytes(8));
      b.delete(db.kv, KeyCodec.versionKey(KeyCodec.prefix(bs("a")), 2, 0, KeyCodec.KIND_PUT));
      db.write(b, true);
    } catch (org.rocksdb.RocksDBException e) {
      throw new AssertionError(e);
    }
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      assertThat(s.compactRevision()).isEqualTo(8);
      assertThat(s.currentRevision()).isEqualTo(10);
      assertThatThrownBy(() -> s.range(rangeReq("a", "").setRevision(7).build())).hasMessage(COMPACTED);
      s.awaitCompaction();
      assertThat(rawCount(s, s.database().kv)).isEqualTo(5);
      assertThat(s.database().metaLong(KvDatabase.META_COMPACT_FINISHED, -1)).isEqualTo(8);
      assertThat(keys(s.range(rangeReq("\0", "\0").setRevision(8).build()))).containsExactly("a", "c", "d");
    }
  }

  @Test
  void closeDuringBackgroundCompactionThenReopenFinishesIt() {
    StoreOptions o = StoreOptions.builder().syncWrites(false).compactionBatchOps(1).build();
    long c;
    try (MvccStore s = MvccStore.open(dir, o)) {
      for (int round = 0; round < 3; round++) {
        for (int k = 0; k < 300; k++) put(s, String.format("k%04d", k), "v" + round);
      }
      c = s.currentRevision();
      compact(s, c, false);
    } // closes while the compactor is (most likely) mid-way
    try (MvccStore s = MvccStore.open(dir, o)) {
      assertThat(s.compactRevision()).isEqualTo(c);
      s.awaitCompaction();
      assertThat(rawCount(s, s.database().kv)).isEqualTo(300);
      assertThat(rawCount(s, s.database().rev)).isEqualTo(1);
      RangeResponse all = s.range(rangeReq("\0", "\0").build());
      assertThat(all.getCount()).isEqualTo(300);
      assertThat(all.getKvsList()).allSatisfy(kv -> {
        assertThat(kv.getValue()).isEqualTo(bs("v2"));
        assertThat(kv.getVersion()).isEqualTo(3);
      });
    }
  }

  @Test
  void readersAtOrAboveCompactRevisionAreUnaffectedByConcurrentCompaction() throws Exception {
    StoreOptions o = StoreOptions.builder().syncWrites(false).compactionBatchOps(3).build();
    try (MvccStore s = MvccStore.open(dir, o)) {
      for (int round = 0; round < 4; round++) {
        for (int k = 0; k < 100; k++) {
          if (round == 2 && k % 3 == 0) delete(s, "k" + k, "");
          else put(s, "k" + k, "r" + round);
        }
      }
      long c = s.currentRevision() - 50;
      RangeResponse expectedAtC = s.range(rangeReq("\0", "\0").setRevision(c).build());
      RangeResponse expectedNow = s.range(rangeReq("\0", "\0").build());
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      List<Thread> readers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        Thread r = new Thread(() -> {
          try {
            while (!stop.get()) {
              assertThat(s.range(rangeReq("\0", "\0").setRevision(c).build())).isEqualTo(expectedAtC);
              assertThat(s.range(rangeReq("\0", "\0").build())).isEqualTo(expectedNow);
            }
          } catch (Throwable e) {
            failure.compareAndSet(null, e);
          }
        });
        r.start();
        readers.add(r);
      }
      compact(s, c, true);
      stop.set(true);
      for (Thread r : readers) r.join();
      if (failure.get() != null) throw new AssertionError(failure.get());
      assertThat(s.range(rangeReq("\0", "\0").setRevision(c).build())).isEqualTo(expectedAtC);
    }
  }
}
