package io.cairn.storage.mvcc;

import static io.cairn.storage.mvcc.StoreFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeRequest.SortOrder;
import io.cairn.proto.etcdserverpb.RangeRequest.SortTarget;
import io.cairn.proto.etcdserverpb.RangeResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Range: key ranges, limit/more/count, count_only, keys_only, revisions, sorting, filters (reference 3.2, 3.3). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MvccStoreRangeTest {
  @TempDir static Path dir;
  MvccStore store;

  /**
   * rev 2 a=3, 3 b=1, 4 c=2, 5 d=0, 6 a=33 (a v2), 7 e=9, 8 delete d, 9 b=11 (b v2), 10 b=111 (b v3).
   * Live at 10: a(create 2, mod 6, v2, "33"), b(3, 10, v3, "111"), c(4, 4, v1, "2"), e(7, 7, v1, "9").
   */
  @BeforeAll
  void fill() {
    store = MvccStore.open(dir, fastOptions());
    put(store, "a", "3");
    put(store, "b", "1");
    put(store, "c", "2");
    put(store, "d", "0");
    put(store, "a", "33");
    put(store, "e", "9");
    delete(store, "d", "");
    put(store, "b", "11");
    put(store, "b", "111");
  }

  @AfterAll
  void close() {
    store.close();
  }

  RangeResponse range(RangeRequest.Builder r) {
    return store.range(r.build());
  }

  @Test
  void keyRanges() {
    assertThat(keys(range(rangeReq("b", "")))).containsExactly("b");
    assertThat(keys(range(rangeReq("bb", "")))).isEmpty();
    assertThat(keys(range(rangeReq("b", "d")))).containsExactly("b", "c");
    assertThat(keys(range(rangeReq("b", "\0")))).containsExactly("b", "c", "e");
    assertThat(keys(range(rangeReq("\0", "\0")))).containsExactly("a", "b", "c", "e");
    assertThat(keys(range(rangeReq("c", "c")))).isEmpty();
    assertThat(keys(range(rangeReq("c", "b")))).isEmpty();
    assertThat(range(rangeReq("c", "b")).getCount()).isZero();
    assertThat(keys(range(rangeReq("a", "b")))).containsExactly("a"); // prefix "a"
    assertThat(range(rangeReq("b", "")).getHeader().getRevision()).isEqualTo(10);
  }

  @Test
  void limitMoreAndCount() {
    RangeResponse r = range(rangeReq("\0", "\0").setLimit(2));
    assertThat(keys(r)).containsExactly("a", "b");
    assertThat(r.getMore()).isTrue();
    assertThat(r.getCount()).isEqualTo(4);
    RangeResponse exact = range(rangeReq("\0", "\0").setLimit(4));
    assertThat(exact.getMore()).isFalse();
    assertThat(exact.getKvsCount()).isEqualTo(4);
    RangeResponse negative = range(rangeReq("\0", "\0").setLimit(-1));
    assertThat(negative.getKvsCount()).isEqualTo(4);
    assertThat(negative.getMore()).isFalse();
  }

  @Test
  void countOnlyAndKeysOnly() {
    RangeResponse c = range(rangeReq("\0", "\0").setCountOnly(true).setLimit(1));
    assertThat(c.getKvsCount()).isZero();
    assertThat(c.getCount()).isEqualTo(4);
    assertThat(c.getMore()).isFalse();
    RangeResponse k = range(rangeReq("a", "").setKeysOnly(true));
    assertThat(k.getKvs(0).getValue().isEmpty()).isTrue();
    assertThat(k.getKvs(0).getModRevision()).isEqualTo(6);
    assertThat(k.getKvs(0).getVersion()).isEqualTo(2);
    assertThat(k.getKvs(0).getCreateRevision()).isEqualTo(2);
  }

  @Test
  void historicalRevisions() {
    RangeResponse at5 = range(rangeReq("\0", "\0").setRevision(5));
    assertThat(keys(at5)).containsExactly("a", "b", "c", "d");
    assertThat(at5.getKvs(0).getValue()).isEqualTo(bs("3"));
    assertThat(at5.getHeader().getRevision()).isEqualTo(10); // current, not the requested revision
    assertThat(keys(range(rangeReq("\0", "\0").setRevision(1)))).isEmpty();
    assertThat(range(rangeReq("b", "").setRevision(9)).getKvs(0).getValue()).isEqualTo(bs("11"));
    assertThat(keys(range(rangeReq("\0", "\0").setRevision(-3)))).containsExactly("a", "b", "c", "e");
    assertThat(keys(range(rangeReq("\0", "\0").setRevision(10)))).containsExactly("a", "b", "c", "e");
    assertThatThrownBy(() -> range(rangeReq("a", "").setRevision(11)))
        .isInstanceOfSatisfying(MvccException.class, e -> {
          assertThat(e.code()).isEqualTo(MvccException.Code.OUT_OF_RANGE);
          assertThat(e.getMessage()).isEqualTo("etcdserver: mvcc: required revision is a future revision");
        });
  }

  @Test
  void sortByEachTarget() {
    assertThat(keys(range(rangeReq("\0", "\0").setSortTarget(SortTarget.VERSION).setSortOrder(SortOrder.DESCEND))))
        .containsExactly("b", "a", "c", "e");
    assertThat(keys(range(rangeReq("\0", "\0").setSortTarget(SortTarget.CREATE).setSortOrder(SortOrder.DESCEND))))
        .containsExactly("e", "c", "b", "a");
    assertThat(keys(range(rangeReq("\0", "\0").setSortTarget(SortTarget.MOD).setSortOrder(SortOrder.ASCEND))))
        .containsExactly("c", "a", "e", "b");
    assertThat(keys(range(rangeReq("\0", "\0").setSortTarget(SortTarget.VALUE).setSortOrder(SortOrder.ASCEND))))
        .containsExactly("b", "c", "a", "e"); // "111" < "2" < "33" < "9"
    assertThat(keys(range(rangeReq("\0", "\0").setSortTarget(SortTarget.KEY).setSortOrder(SortOrder.DESCEND))))
        .containsExactly("e", "c", "b", "a");
  }

  @Test
  void sortTargetWithOrderNoneMeansAscend() {
    assertThat(keys(range(rangeReq("\0", "\0").setSortTarget(SortTarget.MOD))))
        .containsExactly("c", "a", "e", "b");
  }

  @Test
  void sortWithLimitSortsWholeRangeThenTruncates() {
    RangeResponse r = range(rangeReq("\0", "\0").setSortTarget(SortTarget.MOD).setSortOrder(SortOrder.DESCEND)
        .setLimit(2));
    assertThat(keys(r)).containsExactly("b", "e");
    assertThat(r.getMore()).isTrue();
    assertThat(r.getCount()).isEqualTo(4);
  }

  @Test
  void sortTargetWithOrderNoneAndLimitSortsOnlyTheFetchedKeys() {
    // etcd quirk: with sort_order NONE it fetches limit+1 keys in key order and sorts only those
    RangeResponse r = range(rangeReq("\0", "\0").setSortTarget(SortTarget.MOD).setLimit(2));
    assertThat(keys(r)).containsExactly("c", "a"); // fetched a(6), b(10), c(4) -> sorted c, a, b -> first 2
    assertThat(r.getMore()).isTrue();
  }

  @Test
  void keysOnlyStillSortsByValue() {
    RangeResponse r = range(rangeReq("\0", "\0").setSortTarget(SortTarget.VALUE).setKeysOnly(true));
    assertThat(keys(r)).containsExactly("b", "c", "a", "e");
    assertThat(r.getKvsList()).allSatisfy(kv -> assertThat(kv.getValue().isEmpty()).isTrue());
  }

  @Test
  void revisionFiltersAreInclusiveAndDoNotChangeCount() {
    RangeResponse mod = range(rangeReq("\0", "\0").setMinModRevision(6).setMaxModRevision(7));
    assertThat(keys(mod)).containsExactly("a", "e");
    assertThat(mod.getCount()).isEqualTo(4);
    RangeResponse create = range(rangeReq("\0", "\0").setMinCreateRevision(3));
    assertThat(keys(create)).containsExactly("b", "c", "e");
    RangeResponse maxCreate = range(rangeReq("\0", "\0").setMaxCreateRevision(3).setLimit(1));
    assertThat(keys(maxCreate)).containsExactly("a");
    assertThat(maxCreate.getMore()).isTrue();
    assertThat(maxCreate.getCount()).isEqualTo(4);
    RangeResponse none = range(rangeReq("\0", "\0").setMinModRevision(100));
    assertThat(none.getKvsCount()).isZero();
    assertThat(none.getMore()).isFalse();
    assertThat(none.getCount()).isEqualTo(4);
  }

  @Test
  void invalidSortOptionsAreRejected() {
    assertThatThrownBy(() -> range(rangeReq("a", "").setSortOrderValue(3)))
        .isInstanceOfSatisfying(MvccException.class, e -> {
          assertThat(e.code()).isEqualTo(MvccException.Code.INVALID_ARGUMENT);
          assertThat(e.getMessage()).isEqualTo("etcdserver: invalid sort option");
        });
    assertThatThrownBy(() -> range(rangeReq("a", "").setSortTargetValue(5)))
        .hasMessage("etcdserver: invalid sort option");
  }

  /** RangeStream's chunk read: the same kvs and more as Range, but the walk stops at limit + 1 keys. */
  @Test
  void uncountedRangeStopsAfterItsLimit() {
    RangeRequest all = rangeReq("\0", "\0").build();
    for (int limit = 1; limit <= 5; limit++) {
      RangeRequest r = all.toBuilder().setLimit(limit).build();
      RangeResponse counted = store.range(r);
      RangeResponse uncounted = store.rangeUncounted(r);
      assertThat(uncounted.getKvsList()).isEqualTo(counted.getKvsList());
      assertThat(uncounted.getMore()).isEqualTo(counted.getMore());
      assertThat(uncounted.getHeader()).isEqualTo(counted.getHeader());
      assertThat(counted.getCount()).isEqualTo(4);
      assertThat(uncounted.getCount()).isEqualTo(Math.min(4, limit + 1)); // keys read, not the range's
    }
    // at an old revision, and without a limit, it reads everything
    RangeRequest old = all.toBuilder().setRevision(5).setLimit(2).build();
    assertThat(store.rangeUncounted(old).getKvsList()).isEqualTo(store.range(old).getKvsList());
    assertThat(store.rangeUncounted(all).getCount()).isEqualTo(4);
  }
}
