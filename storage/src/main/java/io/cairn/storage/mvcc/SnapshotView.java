package io.cairn.storage.mvcc;

import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;

/** A read-only txn's view: one RocksDB snapshot, so every compare and range of the txn sees the same moment. */
final class SnapshotView implements TxnView, AutoCloseable {
  private final KvDatabase db;
  private final Snapshot snapshot;
  private final ReadOptions readOptions;
  private final long rev;

  /** @param rev the current revision, read before the snapshot is taken (the snapshot holds it, maybe more) */
  SnapshotView(KvDatabase db, long rev) {
    this.db = db;
    this.rev = rev;
    this.snapshot = db.snapshot();
    this.readOptions = new ReadOptions().setSnapshot(snapshot);
  }

  @Override
  public RocksIterator newIterator() {
    return db.newIterator(db.kv, readOptions);
  }

  @Override
  public RocksIterator newKeyIterator() {
    return db.newIterator(db.kvKeys, readOptions);
  }

  @Override
  public long readRev() {
    return rev;
  }

  @Override
  public void close() {
    readOptions.close();
    db.releaseSnapshot(snapshot);
  }
}
