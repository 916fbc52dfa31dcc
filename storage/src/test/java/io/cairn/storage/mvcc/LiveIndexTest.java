package io.cairn.storage.mvcc;

import static io.cairn.storage.mvcc.KeyIndexTest.answers;
import static io.cairn.storage.mvcc.KeyIndexTest.hex;
import static io.cairn.storage.mvcc.KeyIndexTest.history;
import static io.cairn.storage.mvcc.KeyIndexTest.requests;
import static io.cairn.storage.mvcc.StoreFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.TxnRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/** The kv_live column family (storage format 3): every live key's newest header, kept in step, read by writes. */
class LiveIndexTest {
  @TempDir Path dir;

  /** What kv_live must hold, computed from kv: for each key whose newest version is a put, its header and revision. */
  static List<String> expectedLive(MvccStore s) {
    List<String> out = new ArrayList<>();
    byte[] prefix = null;
    try (RocksIterator it = s.database().newIterator(s.database().kv)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] k = it.key();
        if (prefix != null && KeyCodec.hasPrefix(k, prefix)) continue;
        prefix = Arrays.copyOf(k, KeyCodec.prefixLength(k));
        if (KeyCodec.isTombstone(k)) continue;
        out.add(hex(KeyCodec.userKey(k).toByteArray()) + "="
            + hex(VersionRecord.live(VersionRecord.header(it.value()), KeyCodec.revision(k))));
      }
    }
    return out;
  }

  static List<String> liveIndex(MvccStore s) {
    return KeyIndexTest.entries(s, s.database().kvLive);
  }

  /**
   * Turns a closed store back into format 2 as the previous release left it: no kv_live family, or, with {@code
   * partial}, a kv_live holding every other entry plus entries for keys that are not live (whatever a run cut short
   * left, the next run must end with exactly the live keys), and format 2 in meta.
   */
  static void downgradeToFormat2(Path dir, boolean partial) throws Exception {
    try (RawStore raw = RawStore.open(dir)) {
      if (partial) {
        ColumnFamilyHandle live = raw.family("kv_live");
        int n = 0;
        try (RocksIterator it = raw.db.newIterator(live); WriteBatch wb = new WriteBatch()) {
          for (it.seekToFirst(); it.isValid(); it.next()) if (n++ % 2 == 0) wb.delete(live, it.key());
          for (String stray : new String[] {"", "k/0055", "zz"}) {
            wb.put(live, stray.getBytes(StandardCharsets.UTF_8), new byte[VersionRecord.HEADER + 8]);
          }
          raw.db.write(new org.rocksdb.WriteOptions(), wb);
        }
      } else {
        raw.drop("kv_live");
      }
      raw.putMetaFormat(2);
    }
  }

  @Test
  void writesKeepTheLiveIndexEqualToEachKeysNewestPut() {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      history(s);
      // several writes staged in one batch, as the apply loop stages them: each reads the ones before it
      try (StoreBatch b = s.newBatch()) {
        b.put(putReq("k/005", "first").build(), 0);
        b.deleteRange(delReq("k/0", "k/02").build(), 0);
        b.put(putReq("k/005", "again").build(), 0);
        b.txn(TxnRequest.newBuilder().addSuccess(op(putReq("t1", "x"))).addSuccess(op(delReq("k/1", "k/12"))).build(),
            0);
        // refused after staging its first put: rolled back, kv_live included
        assertThatThrownBy(() -> b.txn(TxnRequest.newBuilder().addSuccess(op(putReq("t2", "x")))
            .addSuccess(op(putReq("t3", "y").setLease(12345))).build(), 0)).isInstanceOf(MvccException.class);
        b.commit();
      }
      assertThat(kv(s, "k/005").getVersion()).isEqualTo(1);
      assertThat(get(s, "t2").getKvsCount()).isZero();
      delete(s, "k/1", "\0"); // a range delete to the end of the keyspace
      s.leaseRevoke(99, 0); // deletes the lease's keys
      assertThat(liveIndex(s)).isEqualTo(expectedLive(s)).isNotEmpty();
      compact(s, s.currentRevision(), true);
      s.awaitCompaction();
      assertThat(liveIndex(s)).isEqualTo(expectedLive(s));
    }
  }

  /** The live index is what a write reads: a key missing from it is taken for absent, whatever kv holds. */
  @Test
  void putsAndDeletesLearnALiveVersionFromTheLiveIndex() throws Exception {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      put(s, "a", "1");
      put(s, "a", "2");
      put(s, "b", "1");
      assertThat(kv(s, "a").getVersion()).isEqualTo(2);
      try (WriteBatch wb = new WriteBatch()) {
        wb.delete(s.database().kvLive, "a".getBytes(StandardCharsets.UTF_8));
        wb.delete(s.database().kvLive, "b".getBytes(StandardCharsets.UTF_8));
        s.database().write(wb, true);
      }
      s.database().liveCache.clear(); // the rows were changed behind the writer's cache of them
      put(s, "a", "3");
      assertThat(kv(s, "a").getVersion()).isEqualTo(1); // started over: kv's history was not consulted
      assertThat(kv(s, "a").getCreateRevision()).isEqualTo(kv(s, "a").getModRevision());
      assertThat(delete(s, "b", "").getDeleted()).isZero();
    }
  }

  @Test
  void format2StoreGetsItsLiveIndexOnceAtOpenWithIdenticalAnswers() throws Exception {
    List<RangeRequest> requests;
    Map<RangeRequest, RangeResponse> before;
    List<String> expected;
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      history(s);
      requests = requests(s.currentRevision(), s.compactRevision());
      before = answers(s, requests);
      expected = liveIndex(s);
    }
    downgradeToFormat2(dir, false);
    assertThat(KeyIndexTest.families(dir)).doesNotContain("kv_live");

    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      assertThat(s.database().metaLong(KvDatabase.META_FORMAT, -1)).isEqualTo(3);
      assertThat(liveIndex(s)).isEqualTo(expected).isEqualTo(expectedLive(s));
      assertThat(answers(s, requests)).isEqualTo(before);
      // writes after the migration see the migrated versions
      String live = keys(s.range(rangeReq("k/", "k0").setLimit(1).build())).get(0);
      long version = kv(s, live).getVersion();
      long created = kv(s, live).getCreateRevision();
      put(s, live, "after");
      assertThat(kv(s, live).getVersion()).isEqualTo(version + 1);
      assertThat(kv(s, live).getCreateRevision()).isEqualTo(created);
    }
    assertThat(KvDatabase.readMeta(dir, KvDatabase.META_FORMAT)[0]).isEqualTo(3);
  }

  @Test
  void liveIndexMigrationCutShortIsRedoneFromTheStart() throws Exception {
    List<String> expected;
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      history(s);
      expected = liveIndex(s);
    }
    downgradeToFormat2(dir, true);
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      assertThat(s.database().metaLong(KvDatabase.META_FORMAT, -1)).isEqualTo(3);
      assertThat(liveIndex(s)).isEqualTo(expected).isEqualTo(expectedLive(s));
    }
  }

  @Test
  void importedStoreIndexesEveryLiveKey() throws Exception {
    Path target = dir.resolve("imported");
    try (StoreImport imp = StoreImport.create(target, fastOptions())) {
      ByteString a = ByteString.copyFromUtf8("a");
      ByteString b = ByteString.copyFromUtf8("b");
      imp.version(a, 2, 0, false, 2, 1, 0, ByteString.copyFromUtf8("a1"));
      imp.version(b, 3, 0, false, 3, 1, 0, ByteString.copyFromUtf8("b1"));
      imp.version(a, 4, 0, false, 2, 2, 0, ByteString.copyFromUtf8("a2"));
      imp.version(b, 5, 0, true, 0, 0, 0, ByteString.EMPTY);
      imp.finish(5, -1, -1);
    }
    try (MvccStore s = MvccStore.open(target, fastOptions())) {
      assertThat(liveIndex(s)).isEqualTo(expectedLive(s)).hasSize(1);
      put(s, "a", "a3");
      assertThat(kv(s, "a").getVersion()).isEqualTo(3);
      assertThat(kv(s, "a").getCreateRevision()).isEqualTo(2);
    }
  }

  /** The counting a store did before kv_live: kv_keys only. */
  private static RangeEvaluator.Source withoutLiveIndex(KvDatabase db) {
    return RangeEvaluator.Source.of(() -> db.newIterator(db.kv), () -> db.newIterator(db.kvKeys),
        RangeEvaluator.LatestCount.NONE);
  }

  @Test
  void countsAtTheCurrentRevisionComeFromTheLiveIndexAndEqualTheKeyIndexs() throws Exception {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      history(s);
      long cur = s.currentRevision();
      List<RangeRequest> reqs = new ArrayList<>(requests(cur, s.compactRevision()));
      reqs.add(rangeReq("k/050", "").setCountOnly(true).build()); // a single key, live or not
      reqs.add(rangeReq("k/050", "").setLimit(1).build());
      reqs.add(rangeReq("k/09", "k/05").setCountOnly(true).build()); // an empty interval
      for (RangeRequest r : reqs) {
        RangeResponse viaKeys = RangeEvaluator.execute(r, withoutLiveIndex(s.database()), cur, s.compactRevision(),
            new ResponseBudget(Long.MAX_VALUE));
        assertThat(s.range(r)).as("%s", r).isEqualTo(viaKeys);
      }

      // and the live index is what counted at the current revision: without one of its entries, one key fewer
      RangeRequest all = rangeReq("k/", "k0").setCountOnly(true).build();
      RangeRequest page = rangeReq("k/", "k0").setLimit(3).build();
      RangeRequest older = rangeReq("k/", "k0").setCountOnly(true).setRevision(cur - 1).build();
      long total = s.range(all).getCount();
      long olderTotal = s.range(older).getCount();
      String last = keys(s.range(rangeReq("k/", "k0").setKeysOnly(true).build())).get((int) total - 1);
      s.database().write(deleting(s.database().kvLive, last), true);
      assertThat(s.range(all).getCount()).isEqualTo(total - 1);
      assertThat(s.range(page).getCount()).isEqualTo(total - 1);
      assertThat(s.range(older).getCount()).isEqualTo(olderTotal); // not at the live index's revision: kv_keys
    }
  }

  private static WriteBatch deleting(ColumnFamilyHandle cf, String key) throws Exception {
    WriteBatch wb = new WriteBatch();
    wb.delete(cf, key.getBytes(StandardCharsets.UTF_8));
    return wb;
  }
}
