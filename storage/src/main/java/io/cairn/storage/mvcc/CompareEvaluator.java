package io.cairn.storage.mvcc;

import io.cairn.proto.etcdserverpb.Compare;
import io.cairn.proto.mvccpb.KeyValue;
import java.util.List;
import java.util.function.Supplier;
import org.rocksdb.RocksIterator;

/**
 * etcd's {@code applyCompare}: a compare over a range must hold for every live key in it; a missing key (or an empty
 * range) compares as a zero KeyValue, except that a VALUE compare on it is always false.
 */
final class CompareEvaluator {
  private CompareEvaluator() {}

  static boolean all(List<Compare> compares, TxnView view, Supplier<RocksIterator> it, long rev) {
    for (Compare c : compares) {
      if (!holds(c, view, it, rev)) return false;
    }
    return true;
  }

  /**
   * A compare of one key on anything but its value, in a view that reads the newest state, takes the key's header by
   * a point lookup (the common compare-and-swap on mod_revision); any other walks the range on {@code it}.
   */
  static boolean holds(Compare c, TxnView view, Supplier<RocksIterator> it, long rev) {
    KeyRange range = KeyRange.of(c.getKey(), c.getRangeEnd());
    if (range.single && c.getTarget() != Compare.CompareTarget.VALUE && view.readsNewest()) {
      KeyValue header = view.header(range.key);
      return compare(c, header == null ? KeyValue.getDefaultInstance() : header);
    }
    boolean[] any = {false};
    boolean[] ok = {true};
    RangeReader.forEachLive(it.get(), range, rev, (k, i) -> {
      any[0] = true;
      KeyValue kv = VersionRecord.decode(KeyCodec.userKey(k), KeyCodec.revision(k), i.value(), true);
      ok[0] = compare(c, kv);
      return ok[0]; // stop at the first key that fails
    });
    if (any[0]) return ok[0];
    if (c.getTarget() == Compare.CompareTarget.VALUE) return false;
    return compare(c, KeyValue.getDefaultInstance());
  }

  /**
   * The operand comes from the target_union field matching the target; if another field (or none) is set the
   * getter yields 0 / empty, which is etcd's behaviour. Unknown targets compare equal and unknown results hold,
   * also as in etcd.
   */
  static boolean compare(Compare c, KeyValue kv) {
    int result = switch (c.getTargetValue()) {
      case Compare.CompareTarget.VALUE_VALUE -> KeyRange.BYTES.compare(kv.getValue(), c.getValue());
      case Compare.CompareTarget.CREATE_VALUE -> Long.compare(kv.getCreateRevision(), c.getCreateRevision());
      case Compare.CompareTarget.MOD_VALUE -> Long.compare(kv.getModRevision(), c.getModRevision());
      case Compare.CompareTarget.VERSION_VALUE -> Long.compare(kv.getVersion(), c.getVersion());
      case Compare.CompareTarget.LEASE_VALUE -> Long.compare(kv.getLease(), c.getLease());
      default -> 0;
    };
    return switch (c.getResultValue()) {
      case Compare.CompareResult.EQUAL_VALUE -> result == 0;
      case Compare.CompareResult.NOT_EQUAL_VALUE -> result != 0;
      case Compare.CompareResult.GREATER_VALUE -> result > 0;
      case Compare.CompareResult.LESS_VALUE -> result < 0;
      default -> true;
    };
  }
}
