package io.cairn.server.raft;

import io.cairn.storage.mvcc.MvccStore;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** At start, before Raft runs: brings a store that is behind its restart snapshot up to it, or refuses to start. */
final class StoreRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(StoreRecovery.class);

  private StoreRecovery() {}

  /**
   * A store that lost writes the restart snapshot holds (its directory deleted, or replaced by an older copy) is
   * replaced by that snapshot's checkpoint; the WAL after the snapshot then brings it up to date. A store that is
   * behind and has no checkpoint to come from cannot be repaired: refuse rather than serve a store with a hole.
   */
  static void recover(MvccStore store, DurableLog log, Path memberDir) throws IOException {
    restoreIfBehind(store, log, memberDir);
    checkNotAhead(store, log, memberDir);
  }

  /**
   * A store can be ahead of the log only as far as a snapshot installed from the leader carried it (its checkpoint's
   * index is recorded). Further ahead, it holds raft entries this member's WAL does not: the WAL lost entries after
   * the store applied them, or the store belongs to another log. Serving it would answer from a history the log
   * cannot vouch for, and new entries would be skipped as already applied: refuse.
   */
  private static void checkNotAhead(MvccStore store, DurableLog log, Path memberDir) throws IOException {
    io.cairn.proto.serverpb.SnapshotRecord rec = log.restartedFrom();
    long vouched = Math.max(log.lastIndex(), rec == null ? 0 : rec.getStoreIndex());
    if (store.consistentIndex() > vouched) {
      throw new IOException("the store in " + memberDir.resolve("store") + " is at raft index "
          + store.consistentIndex() + " but the log in " + memberDir.resolve("wal") + " ends at " + log.lastIndex()
          + ": the store holds entries the WAL lost (or another member's store): refusing to start");
    }
  }

  private static void restoreIfBehind(MvccStore store, DurableLog log, Path memberDir) throws IOException {
    io.cairn.proto.serverpb.SnapshotRecord rec = log.restartedFrom();
    if (rec == null || store.consistentIndex() >= rec.getStoreIndex()) {
      return;
    }
    if (rec.getCheckpoint().isEmpty()) {
      throw new IOException("the store in " + memberDir.resolve("store") + " is at raft index "
          + store.consistentIndex() + ", behind the snapshot at " + rec.getSnapshot().getMetadata().getIndex()
          + ", and no checkpoint holds that snapshot: refusing to start");
    }
    Path checkpoint = log.checkpointOf(rec);
    LOG.warn("the store in {} is at raft index {} but snapshot {} holds it through {}: restoring it from {}",
        memberDir.resolve("store"), store.consistentIndex(), rec.getSnapshot().getMetadata().getIndex(),
        rec.getStoreIndex(), checkpoint);
    Path copy = MvccStore.restoringDir(memberDir.resolve("store"));
    Checkpoints.deleteTree(copy);
    Checkpoints.copy(checkpoint, copy);
    store.restoreFrom(copy);
    LOG.info("store restored from {}: raft index {}, revision {}", checkpoint, store.consistentIndex(),
        store.currentRevision());
  }
}
