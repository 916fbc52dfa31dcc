package io.cairn.storage.mvcc;

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
}
