package io.cairn.storage.mvcc;

import static io.cairn.storage.mvcc.StoreFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.LeaseGrantResponse;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/** The kv_keys column family (storage format 2): kept in step with kv, read instead of it, migrated into. */
class KeyIndexTest {
  @TempDir Path dir;

  // ------------------------------------------------------------------------------------------ fixtures

  /** A mixed history: puts of growing values, overwrites, deletes, a lease, a compaction; returns its revision. */
  static void history(MvccStore s) {
    Random rnd = new Random(7);
    LeaseGrantResponse l = s.leaseGrant(99, 3600, 0);
    assertThat(l.getID()).isEqualTo(99);
    for (int i = 0; i < 400; i++) {
      String k = String.format("k/%03d", rnd.nextInt(120));
      int op = rnd.nextInt(10);
      if (op < 7) {
        s.put(putReq(k, "v" + i + "x".repeat(rnd.nextInt(300))).setLease(op == 0 ? 99 : 0).build(), 0);
      } else if (op < 9) {
        delete(s, k, "");
      } else {
        delete(s, k, k + "5");
      }
      if (i == 250) {
        compact(s, s.currentRevision() - 40, true);
        s.awaitCompaction();
      }
    }
    put(s, "a\0b", "zero byte"); // escaped keys too
    put(s, "z", "last");
  }

  static List<RangeRequest> requests(long current, long compacted) {
    List<RangeRequest> out = new ArrayList<>();
    for (long rev : new long[] {0, current - 5, compacted + 1}) {
      for (String[] r : new String[][] {{"\0", "\0"}, {"k/", "k0"}, {"k/05", "k/09"}, {"k/010", ""}, {"a", "b"}}) {
        RangeRequest.Builder b = rangeReq(r[0], r[1]).setRevision(rev);
        out.add(b.build());
        out.add(b.clone().setCountOnly(true).build());
        out.add(b.clone().setKeysOnly(true).build());
        for (long limit : new long[] {1, 3, 17}) {
          out.add(b.clone().setLimit(limit).build());
          out.add(b.clone().setLimit(limit).setKeysOnly(true).build());
          out.add(b.clone().setLimit(limit).setSortOrder(RangeRequest.SortOrder.DESCEND)
              .setSortTarget(RangeRequest.SortTarget.VALUE).setKeysOnly(true).build());
          out.add(b.clone().setLimit(limit).setMinModRevision(current - 30).build());
        }
      }
    }
    return out;
  }

  static Map<RangeRequest, RangeResponse> answers(MvccStore s, List<RangeRequest> reqs) {
    Map<RangeRequest, RangeResponse> out = new LinkedHashMap<>();
    for (RangeRequest r : reqs) out.put(r, s.range(r));
    return out;
  }

  /** Every kv entry's key with its record's header, in order: what kv_keys must hold. */
  static List<String> expectedIndex(MvccStore s) {
    List<String> out = new ArrayList<>();
    try (RocksIterator it = s.database().newIterator(s.database().kv)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.add(hex(it.key()) + "=" + hex(VersionRecord.header(it.value())));
      }
    }
    return out;
  }

  static List<String> index(MvccStore s) {
    return entries(s, s.database().kvKeys);
  }

  /** Every entry of one column family as {@code hexkey=hexvalue}, in key order. */
  static List<String> entries(MvccStore s, org.rocksdb.ColumnFamilyHandle cf) {
    List<String> out = new ArrayList<>();
    try (RocksIterator it = s.database().newIterator(cf)) {
      for (it.seekToFirst(); it.isValid(); it.next()) out.add(hex(it.key()) + "=" + hex(it.value()));
    }
    return out;
  }

  static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) sb.append(String.format("%02x", x));
    return sb.toString();
  }

  /**
   * Turns a closed format-2 store back into format 1 as an older release left it: no kv_keys column family (or, with
   * {@code keepEvery} > 0, a kv_keys holding only every keepEvery-th entry, as a migration cut short leaves it, plus
   * a few entries kv does not have) and format 1 in meta.
   */
  static void downgrade(Path dir, int keepEvery) throws Exception {
    try (RawStore raw = RawStore.open(dir)) {
      raw.drop("kv_live"); // format 1 had no kv_live either; a cut-short 1 to 2 run leaves it empty
      if (keepEvery <= 0) {
        raw.drop("kv_keys");
      } else {
        ColumnFamilyHandle keys = raw.family("kv_keys");
        int n = 0;
        try (RocksIterator it = raw.db.newIterator(keys); WriteBatch wb = new WriteBatch()) {
          for (it.seekToFirst(); it.isValid(); it.next()) if (n++ % keepEvery != 0) wb.delete(keys, it.key());
          // and entries kv does not have, before, between and after its keys: a migration must remove them
          for (String stray : new String[] {"", "k/0055", "zz"}) {
            byte[] prefix = KeyCodec.prefix(ByteString.copyFromUtf8(stray));
            wb.put(keys, KeyCodec.versionKey(prefix, 1, 7, KeyCodec.KIND_PUT), new byte[VersionRecord.HEADER]);
          }
          raw.db.write(new org.rocksdb.WriteOptions(), wb);
        }
      }
      raw.putMetaFormat(1);
    }
  }

  static List<String> families(Path dir) throws Exception {
    try (Options o = new Options()) {
      return RocksDB.listColumnFamilies(o, dir.toString()).stream()
          .map(n -> new String(n, StandardCharsets.US_ASCII)).toList();
    }
  }

  // ------------------------------------------------------------------------------------------ tests

  @Test
  void writesKeepTheIndexEqualToKvThroughCompaction() {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      history(s);
      // a txn, whose writes go through the same staging
      s.txn(io.cairn.proto.etcdserverpb.TxnRequest.newBuilder()
          .addSuccess(op(putReq("t1", "x"))).addSuccess(op(delReq("k/0", "k/02"))).build(), 0);
      List<String> before = expectedIndex(s);
      assertThat(index(s)).isEqualTo(before).isNotEmpty();
      int kvBefore = rawCount(s, s.database().kv);
      compact(s, s.currentRevision(), true);
      s.awaitCompaction();
      assertThat(rawCount(s, s.database().kv)).isLessThan(kvBefore); // the compaction did remove versions
      assertThat(index(s)).isEqualTo(expectedIndex(s));
    }
  }

  /** The requests a migration must answer alike, and their answers before it. */
  private record Baseline(List<RangeRequest> requests, Map<RangeRequest, RangeResponse> answers) {}

  /** Writes the test history into a fresh store and records the answers to check after a migration. */
  private Baseline baseline() {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      history(s);
      List<RangeRequest> requests = requests(s.currentRevision(), s.compactRevision());
      return new Baseline(requests, answers(s, requests));
    }
  }

  @Test
  void format1StoreIsMigratedOnceAtOpenWithIdenticalAnswers() throws Exception {
    Baseline base = baseline();
    downgrade(dir, 0);
    assertThat(families(dir)).doesNotContain("kv_keys");
    assertThat(KvDatabase.readMeta(dir, KvDatabase.META_FORMAT)[0]).isEqualTo(1);

    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      assertThat(s.database().metaLong(KvDatabase.META_FORMAT, -1)).isEqualTo(StoreFormat.CURRENT);
      assertThat(index(s)).isEqualTo(expectedIndex(s));
      assertThat(LiveIndexTest.liveIndex(s)).isEqualTo(LiveIndexTest.expectedLive(s)); // and on to format 3
      assertThat(answers(s, base.requests())).isEqualTo(base.answers());
      // and it goes on as a current store
      put(s, "k/000", "after");
      assertThat(index(s)).isEqualTo(expectedIndex(s));
    }
    assertThat(families(dir)).contains("kv_keys", "kv_live");
    assertThat(KvDatabase.readMeta(dir, KvDatabase.META_FORMAT)[0]).isEqualTo(StoreFormat.CURRENT);
  }

  @Test
  void migrationCutShortIsRedoneFromTheStart() throws Exception {
    Baseline base = baseline();
    downgrade(dir, 3); // kv_keys partly filled, format still 1: a crash before the format was written
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      assertThat(s.database().metaLong(KvDatabase.META_FORMAT, -1)).isEqualTo(StoreFormat.CURRENT);
      assertThat(index(s)).isEqualTo(expectedIndex(s));
      assertThat(answers(s, base.requests())).isEqualTo(base.answers());
    }
  }

  @Test
  void newerFormatIsRefused() throws Exception {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      put(s, "a", "1");
      s.database().putMetaLong(KvDatabase.META_FORMAT, StoreFormat.CURRENT + 1);
    }
    assertThatThrownBy(() -> MvccStore.open(dir, fastOptions()))
        .hasMessageContaining("unsupported storage format " + (StoreFormat.CURRENT + 1));
  }

  /**
   * Count-only and keys-only ranges never open kv, and a limited range reads only its page from kv: with every kv
   * entry past the first page removed behind the store's back, the answers still come out whole.
   */
  @Test
  void countAndKeysOnlyRangesReadNoValues() {
    int n = 300;
    String big = "v".repeat(4096);
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      for (int i = 0; i < n; i++) put(s, String.format("p/%04d", i), big + i);
      put(s, "p/0007", "overwritten");
      delete(s, "p/0008", "");
      long live = n - 1;
      KvDatabase db = s.database();

      // the kv iterator is never asked for
      RangeEvaluator.Source keysOnly = RangeEvaluator.Source.of(() -> {
        throw new AssertionError("kv (values) opened");
      }, () -> db.newIterator(db.kvKeys), RangeEvaluator.LatestCount.NONE);
      long cur = s.currentRevision();
      ResponseBudget budget = new ResponseBudget(Long.MAX_VALUE);
      RangeResponse c = RangeEvaluator.execute(rangeReq("p/", "p0").setCountOnly(true).build(), keysOnly, cur, -1,
          budget);
      assertThat(c.getCount()).isEqualTo(live);
      RangeResponse k = RangeEvaluator.execute(rangeReq("p/", "p0").setKeysOnly(true).setLimit(10).build(), keysOnly,
          cur, -1, budget);
      assertThat(k.getCount()).isEqualTo(live);
      assertThat(k.getKvsCount()).isEqualTo(10);
      assertThat(k.getMore()).isTrue();

      // the full answers, for comparison once kv lost its entries
      RangeResponse keysAll = s.range(rangeReq("p/", "p0").setKeysOnly(true).build());
      RangeResponse page = s.range(rangeReq("p/", "p0").setLimit(20).build());
      assertThat(keysAll.getKvsCount()).isEqualTo((int) live);
      assertThat(keysAll.getKvsList()).allMatch(kv -> kv.getValue().isEmpty() && kv.getModRevision() > 0
          && kv.getCreateRevision() > 0 && kv.getVersion() > 0);
      assertThat(keysAll.getKvs(7).getVersion()).isEqualTo(2); // p/0007: overwritten once
      assertThat(page.getCount()).isEqualTo(live);

      // drop every kv entry (value) after the first page's 21 keys (limit + 1 for `more`)
      try (WriteBatch wb = new WriteBatch()) {
        wb.deleteRange(db.kv, KeyCodec.escaped(ByteString.copyFromUtf8("p/0022")),
            KeyCodec.escaped(ByteString.copyFromUtf8("p0")));
        db.write(wb, true);
      } catch (org.rocksdb.RocksDBException e) {
        throw new AssertionError(e);
      }
      assertThat(s.range(rangeReq("p/", "p0").build()).getKvsCount()).isLessThan((int) live); // values really gone
      assertThat(s.range(rangeReq("p/", "p0").setCountOnly(true).build()).getCount()).isEqualTo(live);
      assertThat(s.range(rangeReq("p/", "p0").setKeysOnly(true).build())).isEqualTo(keysAll);
      assertThat(s.range(rangeReq("p/", "p0").setLimit(20).build())).isEqualTo(page);
      assertThat(s.range(rangeReq("p/0005", "p0").setLimit(3).build()).getCount()).isEqualTo(live - 5);
    }
  }

  /** Read-your-writes inside a write txn reach kv_keys too: a txn's count and keys_only ranges see its puts. */
  @Test
  void writeTxnRangesSeeTheirOwnWritesInTheIndex() {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      put(s, "a", "1");
      var resp = s.txn(io.cairn.proto.etcdserverpb.TxnRequest.newBuilder()
          .addSuccess(op(putReq("b", "2")))
          .addSuccess(op(delReq("a", "")))
          .addSuccess(op(putReq("c", "3")))
          .addSuccess(op(rangeReq("\0", "\0").setCountOnly(true)))
          .addSuccess(op(rangeReq("\0", "\0").setKeysOnly(true)))
          .addSuccess(op(rangeReq("\0", "\0").setLimit(1)))
          .build(), 0);
      assertThat(resp.getResponses(3).getResponseRange().getCount()).isEqualTo(2);
      assertThat(keys(resp.getResponses(4).getResponseRange())).containsExactly("b", "c");
      assertThat(resp.getResponses(5).getResponseRange().getCount()).isEqualTo(2);
      assertThat(keys(resp.getResponses(5).getResponseRange())).containsExactly("b");
      assertThat(resp.getResponses(5).getResponseRange().getMore()).isTrue();
    }
  }
}
