package io.cairn.storage.mvcc;

import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.ResponseHeader;
import io.cairn.proto.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.rocksdb.RocksIterator;

/**
 * etcd's Range semantics ({@code executeRange} + mvcc {@code rangeKeys}) on top of {@link RangeReader}: revision
 * checks, limit and {@code more}, {@code count} of every matching key, count_only, keys_only, min/max revision
 * filters, sorting.
 */
final class RangeEvaluator {
  private RangeEvaluator() {}

  /** {@link Source#countLatest} as a function; {@link #NONE} always declines. */
  interface LatestCount {
    LatestCount NONE = (range, after, rev) -> LiveCount.DECLINED;

    long count(KeyRange range, byte[] afterPrefix, long rev);
  }

  /**
   * Where a range reads: the kv column family (values included) and kv_keys (the same entries without values), both
   * as one view sees them. The evaluator opens only the iterators a request needs, and closes them.
   */
  interface Source {
    /** A new iterator over kv. */
    RocksIterator newIterator();

    /** A new iterator over kv_keys. */
    RocksIterator newKeyIterator();

    /**
     * The live keys of {@code range} at {@code rev} after the key with escaped prefix {@code afterPrefix} (null: all
     * of them), counted on kv_live ({@link LiveCount}), or {@link LiveCount#DECLINED}: count on kv_keys instead.
     * Declined unless the source sees the database itself at exactly {@code rev}.
     */
    default long countLatest(KeyRange range, byte[] afterPrefix, long rev) {
      return LiveCount.DECLINED;
    }

    /** The database as it is now; counts at the current revision on kv_live. */
    static Source of(KvDatabase db) {
      return of(() -> db.newIterator(db.kv), () -> db.newIterator(db.kvKeys),
          (range, after, rev) -> LiveCount.count(db, range, after, rev));
    }

    /** These iterators, and {@code latest} for {@link #countLatest}. */
    static Source of(Supplier<RocksIterator> kv, Supplier<RocksIterator> keys, LatestCount latest) {
      return new Source() {
        @Override
        public RocksIterator newIterator() {
          return kv.get();
        }

        @Override
        public RocksIterator newKeyIterator() {
          return keys.get();
        }

        @Override
        public long countLatest(KeyRange range, byte[] afterPrefix, long rev) {
          return latest.count(range, afterPrefix, rev);
        }
      };
    }
  }

  /**
   * @param currentRev the revision the read view is at (header.revision of the response; inside a write txn it is
   *     the txn's revision once the txn has written something)
   * @param firstRev the compacted revision, or -1 if never compacted (etcd's compactMainRev)
   * @param budget charged for every key-value held for the response; throws once it is spent
   */
  static RangeResponse execute(RangeRequest r, Source src, long currentRev, long firstRev,
      ResponseBudget budget) {
    return execute(r, src, currentRev, firstRev, budget, true);
  }

  /**
   * Reads values only for the key-values it returns: count_only and keys_only (unless sorted by value) walk kv_keys
   * alone, and a limited range reads its limit + 1 key-values from kv, then counts the rest of the range on kv_keys.
   * Counting therefore costs work per key, never per value byte; at the current revision it is done on kv_live
   * when the source can ({@link Source#countLatest}), which costs work per live key, not per version.
   *
   * @param countAll false: stop reading once a limited, unsorted, unfiltered range has its limit + 1 keys (enough to
   *     know {@code more}); {@code count} then covers only the keys read
   */
  static RangeResponse execute(RangeRequest r, Source src, long currentRev, long firstRev,
      ResponseBudget budget, boolean countAll) {
    long rev = resolveRevision(r.getRevision(), currentRev, firstRev);
    KeyRange range = KeyRange.of(r.getKey(), r.getRangeEnd());
    RangeResponse.Builder resp = RangeResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setRevision(currentRev));

    if (r.getCountOnly()) {
      long latest = src.countLatest(range, null, rev);
      if (latest != LiveCount.DECLINED) return resp.setCount(latest).build();
      try (RocksIterator keys = src.newKeyIterator()) {
        return resp.setCount(countLive(keys, range, rev)).build();
      }
    }

    RangeRequest.SortOrder order = effectiveOrder(r);
    boolean filtered = r.getMinModRevision() != 0 || r.getMaxModRevision() != 0
        || r.getMinCreateRevision() != 0 || r.getMaxCreateRevision() != 0;
    // etcd fetches everything only when sort_order (as sent, not as defaulted) or a filter is set; otherwise it
    // fetches limit+1 to learn `more`. A non-KEY sort_target with sort_order NONE therefore sorts only those.
    long fetch = r.getLimit();
    if (r.getSortOrder() != RangeRequest.SortOrder.NONE || filtered) fetch = 0;
    if (fetch > 0) fetch++;
    final long maxKvs = fetch <= 0 ? Long.MAX_VALUE : fetch;
    // values are needed for the response, or to sort by value even when keys_only strips them afterwards
    boolean withValue = !r.getKeysOnly()
        || (order != RangeRequest.SortOrder.NONE && r.getSortTarget() == RangeRequest.SortTarget.VALUE);

    List<KeyValue> kvs = new ArrayList<>();
    long[] count = {0};
    byte[][] lastPrefix = {null};
    // without values the key-values come from kv_keys, whose records are the kv records minus the value bytes
    try (RocksIterator it = withValue ? src.newIterator() : src.newKeyIterator()) {
      RangeReader.forEachLive(it, range, rev, (k, i) -> {
        count[0]++;
        KeyValue kv = VersionRecord.decode(KeyCodec.userKey(k), KeyCodec.revision(k), i.value(), withValue);
        budget.charge(kv);
        kvs.add(kv);
        if (kvs.size() < maxKvs) return true;
        lastPrefix[0] = java.util.Arrays.copyOf(k, KeyCodec.prefixLength(k));
        return false;
      });
    }
    // etcd's count covers the whole range: count what is past the last key read, without reading values
    if (countAll && lastPrefix[0] != null) {
      long latest = src.countLatest(range, lastPrefix[0], rev);
      if (latest != LiveCount.DECLINED) {
        count[0] += latest;
      } else {
        try (RocksIterator keys = src.newKeyIterator()) {
          count[0] += countLiveAfter(keys, lastPrefix[0], range, rev);
        }
      }
    }

    List<KeyValue> out = kvs;
    if (r.getMaxModRevision() != 0) out = prune(out, kv -> kv.getModRevision() > r.getMaxModRevision());
    if (r.getMinModRevision() != 0) out = prune(out, kv -> kv.getModRevision() < r.getMinModRevision());
    if (r.getMaxCreateRevision() != 0) out = prune(out, kv -> kv.getCreateRevision() > r.getMaxCreateRevision());
    if (r.getMinCreateRevision() != 0) out = prune(out, kv -> kv.getCreateRevision() < r.getMinCreateRevision());

    if (order != RangeRequest.SortOrder.NONE) {
      Comparator<KeyValue> cmp = comparator(r.getSortTarget());
      // stable sort: ties keep key order (etcd's sort.Sort leaves tie order unspecified)
      out.sort(order == RangeRequest.SortOrder.DESCEND ? cmp.reversed() : cmp);
    }
    if (r.getLimit() > 0 && out.size() > r.getLimit()) {
      out = out.subList(0, (int) r.getLimit());
      resp.setMore(true);
    }
    for (KeyValue kv : out) {
      resp.addKvs(r.getKeysOnly() && withValue ? kv.toBuilder().clearValue().build() : kv);
    }
    return resp.setCount(count[0]).build();
  }

  private static long countLive(RocksIterator keys, KeyRange range, long rev) {
    long[] count = {0};
    RangeReader.forEachLive(keys, range, rev, (k, i) -> {
      count[0]++;
      return true;
    });
    return count[0];
  }

  /** Live keys of {@code range} after the user key whose escaped prefix is {@code prefix}. */
  private static long countLiveAfter(RocksIterator keys, byte[] prefix, KeyRange range, long rev) {
    long[] count = {0};
    RangeReader.forEachLiveAfter(keys, prefix, range, rev, (k, i) -> {
      count[0]++;
      return true;
    });
    return count[0];
  }

  /** mvcc rangeKeys: future check first, then "latest", then compacted (== compact revision is readable). */
  static long resolveRevision(long requested, long currentRev, long firstRev) {
    if (requested > currentRev) throw MvccException.futureRev();
    long rev = requested <= 0 ? currentRev : requested;
    if (rev < firstRev) throw MvccException.compacted();
    return rev;
  }

  /** A non-KEY target with order NONE means ASCEND; KEY+ASCEND is the natural order, so no sort. */
  private static RangeRequest.SortOrder effectiveOrder(RangeRequest r) {
    RangeRequest.SortOrder order = r.getSortOrder();
    if (r.getSortTarget() != RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.NONE) {
      return RangeRequest.SortOrder.ASCEND;
    }
    if (r.getSortTarget() == RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.ASCEND) {
      return RangeRequest.SortOrder.NONE;
    }
    return order;
  }

  private static Comparator<KeyValue> comparator(RangeRequest.SortTarget target) {
    return switch (target) {
      case KEY -> Comparator.comparing(KeyValue::getKey, KeyRange.BYTES);
      case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
      case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
      case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
      case VALUE -> Comparator.comparing(KeyValue::getValue, KeyRange.BYTES);
      default -> throw MvccException.invalid(MvccException.INVALID_SORT);
    };
  }

  private static List<KeyValue> prune(List<KeyValue> kvs, Predicate<KeyValue> drop) {
    List<KeyValue> kept = new ArrayList<>(kvs.size());
    for (KeyValue kv : kvs) if (!drop.test(kv)) kept.add(kv);
    return kept;
  }
}
