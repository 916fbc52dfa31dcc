package io.cairn.storage.mvcc;

/**
 * Stages rows of the auth table inside one {@link StoreBatch} write: they commit atomically with the raft index of
 * the change, so a snapshot, a backup or a restart holds exactly the auth state of the entries applied. The rows are
 * opaque here; the server owns their format.
 */
public final class AuthWriter {
  private final WriteTxn txn;

  AuthWriter(WriteTxn txn) {
    this.txn = txn;
  }

  public void put(byte[] key, byte[] value) {
    txn.putAuth(key, value);
  }

  public void delete(byte[] key) {
    txn.putAuth(key, null);
  }

  /** Runs {@code r} once the batch is written (never if the write is refused or dropped). */
  public void afterCommit(Runnable r) {
    txn.afterCommit(r);
  }
}
