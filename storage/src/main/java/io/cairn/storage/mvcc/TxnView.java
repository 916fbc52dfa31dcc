package io.cairn.storage.mvcc;

import com.google.protobuf.ByteString;
import io.cairn.proto.mvccpb.KeyValue;
import org.rocksdb.RocksIterator;

/** What a txn reads through: a write txn (its own writes merged over the database) or a read-only snapshot. */
interface TxnView extends RangeEvaluator.Source {
  /** An iterator over the kv column family as this view sees it. Caller closes it. */
  @Override
  RocksIterator newIterator();

  /** An iterator over the kv_keys column family (kv without values) as this view sees it. Caller closes it. */
  @Override
  RocksIterator newKeyIterator();

  /** The revision compares and ranges with revision 0 read at. */
  long readRev();

  /**
   * Whether this view reads the newest state, so that {@link #header} answers for {@link #readRev}: a write txn
   * does; a read-only snapshot may be older than kv_live, which holds only the newest versions.
   */
  default boolean readsNewest() {
    return false;
  }

  /**
   * The live version of {@code key} without its value, or null if it is not live: one point lookup instead of an
   * iterator's seek and a copy of the value. Only when {@link #readsNewest}.
   */
  default KeyValue header(ByteString key) {
    throw new UnsupportedOperationException("this view does not read the newest state");
  }
}
