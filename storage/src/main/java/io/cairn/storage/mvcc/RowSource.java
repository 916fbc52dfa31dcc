package io.cairn.storage.mvcc;

import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksIterator;

/**
 * Where rows are read from: the database as committed ({@link KvDatabase}), or the database with a write batch's
 * staged changes laid over it ({@link WriteTxn}), so a write sees the writes staged before it in the same batch.
 */
interface RowSource {
  /** The value of {@code key}, or null. */
  byte[] get(ColumnFamilyHandle cf, byte[] key);

  /** A new iterator over {@code cf}; the caller closes it. */
  RocksIterator newIterator(ColumnFamilyHandle cf);
}
