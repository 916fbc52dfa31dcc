package io.cairn.storage.mvcc;

import org.rocksdb.RocksIterator;

/** What a txn reads through: a write txn (its own writes merged over the database) or a read-only snapshot. */
interface TxnView {
  /** An iterator over the kv column family as this view sees it. Caller closes it. */
  RocksIterator newIterator();

  /** The revision compares and ranges with revision 0 read at. */
  long readRev();
}
