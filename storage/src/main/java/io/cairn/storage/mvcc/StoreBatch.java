package io.cairn.storage.mvcc;

import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.proto.etcdserverpb.CompactionResponse;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.DeleteRangeResponse;
import io.cairn.proto.etcdserverpb.LeaseCheckpoint;
import io.cairn.proto.etcdserverpb.LeaseCheckpointRequest;
import io.cairn.proto.etcdserverpb.LeaseCheckpointResponse;
import io.cairn.proto.etcdserverpb.LeaseGrantResponse;
import io.cairn.proto.etcdserverpb.LeaseRevokeResponse;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.PutResponse;
import io.cairn.proto.etcdserverpb.ResponseHeader;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.TxnResponse;
import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatchWithIndex;

/**
 * A run of writes (one per raft entry) staged in one RocksDB batch and written by one {@link #commit()}: the data of
 * every write, the revision after the last one and the consistent index of the last one land atomically, so a crash
 * leaves the store at a batch boundary and replay resumes exactly after it.
 *
 * <p>Each write sees the writes staged before it (reads go through the batch), gets the next revision and answers as
 * it would alone. A write that fails (MvccException) is rolled back to a save point and leaves the batch as it was,
 * so it changes nothing, as when applied alone. Nothing is visible to readers, and no lease listener hears anything,
 * until {@link #commit()}; callers must not answer clients before it returns.
 *
 * <p>Only the store's single writer uses a batch, and only one at a time; it is not thread-safe.
 */
public final class StoreBatch implements AutoCloseable {
  private final MvccStore store;
  private final WriteBatchWithIndex batch = new WriteBatchWithIndex(true);
  private final List<Runnable> afterCommit = new ArrayList<>();
  /** The kv_live rows of the staged writes, by key (null: deleted): what the live-row cache learns at commit. */
  private final Map<ByteString, byte[]> stagedLive = new HashMap<>();
  /** Whether anything is staged since the last commit; {@link #rev} and {@link #index} are valid only then. */
  private boolean pending;
  /** The store revision once the staged writes are committed. */
  private long rev;
  /** The consistent index once the staged writes are committed. */
  private long index;
  private boolean revChanged;
  /** Keys made live minus keys deleted by the staged writes. */
  private long liveDelta;
  /** Something other than meta entries is staged. */
  private boolean dirty;
  private int writes;
  /** Set after a RocksDB failure left the staged state unknown. */
  private boolean broken;

  StoreBatch(MvccStore store) {
    this.store = store;
  }

  /** Writes staged since the last commit (including replays that staged nothing). */
  public int size() {
    return writes;
  }

  /**
   * Whether raft entry {@code consistentIndex} is already in the store or staged: staging it again would stage
   * nothing and answer with the current revision only, which is no answer to give a client.
   */
  public boolean holds(long consistentIndex) {
    if (consistentIndex == 0) return false;
    return consistentIndex <= (pending ? index : store.consistentIndex());
  }

  public PutResponse put(PutRequest req, long consistentIndex) {
    RequestValidation.validatePut(req);
    return stage(consistentIndex, r -> PutResponse.newBuilder().setHeader(header(r)).build(), w -> {
      // etcd checks the lease before the ignore_* key existence for a plain Put (the reverse inside a Txn)
      if (req.getLease() != 0 && !store.leaseTable().exists(w, req.getLease())) throw MvccException.leaseNotFound();
      return WriteOps.put(w, req);
    });
  }

  public DeleteRangeResponse deleteRange(DeleteRangeRequest req, long consistentIndex) {
    RequestValidation.validateDeleteRange(req);
    return stage(consistentIndex, r -> DeleteRangeResponse.newBuilder().setHeader(header(r)).build(),
        w -> WriteOps.deleteRange(w, req));
  }

  /**
   * etcd Txn. The request shape is validated here too (with no op-count limit; the API layer enforces
   * --max-txn-ops). Any error in the chosen branch aborts the whole txn without writing anything.
   */
  public TxnResponse txn(TxnRequest req, long consistentIndex) {
    RequestValidation.validateTxn(req, Integer.MAX_VALUE);
    MvccException[] oversized = {null};
    TxnResponse resp = stage(consistentIndex, r -> TxnResponse.newBuilder().setHeader(header(r)).build(), w -> {
      LeaseTable leases = store.leaseTable();
      TxnExecutor txn = new TxnExecutor(id -> leases.exists(w, id), store.compactRevisionRaw(),
          store.maxResponseBytes());
      TxnResponse.Builder b = txn.execute(req, w);
      oversized[0] = txn.oversized();
      return b.setHeader(header(w.hasChanges() ? w.writeRev() : w.beginRev())).build();
    });
    // thrown after staging: the writes are made, only the response is refused (as gRPC refuses it on etcd)
    if (oversized[0] != null) throw oversized[0];
    return resp;
  }

  /** See {@link MvccStore#leaseGrant}. */
  public LeaseGrantResponse leaseGrant(long id, long ttl, long consistentIndex) {
    LeaseTable.validateGrant(id, ttl);
    return stage(consistentIndex, r -> LeaseGrantResponse.newBuilder().setHeader(header(r)).build(), w -> {
      LeaseRecord l = store.leaseTable().grant(w, id, ttl);
      w.afterCommit(() -> store.notifyLeases(x -> x.granted(l)));
      return LeaseGrantResponse.newBuilder().setHeader(header(w.beginRev())).setID(id).setTTL(ttl).build();
    });
  }

  /** See {@link MvccStore#leaseRevoke}. */
  public LeaseRevokeResponse leaseRevoke(long id, long consistentIndex) {
    return stage(consistentIndex, r -> LeaseRevokeResponse.newBuilder().setHeader(header(r)).build(), w -> {
      store.leaseTable().revoke(w, id);
      w.afterCommit(() -> store.notifyLeases(x -> x.revoked(id)));
      return LeaseRevokeResponse.newBuilder().setHeader(header(w.hasChanges() ? w.writeRev() : w.beginRev())).build();
    });
  }

  /** A batch of lease checkpoints as one write (one raft entry); unknown leases are ignored. */
  public LeaseCheckpointResponse leaseCheckpoint(LeaseCheckpointRequest req, long consistentIndex) {
    return stage(consistentIndex, r -> LeaseCheckpointResponse.newBuilder().setHeader(header(r)).build(), w -> {
      for (LeaseCheckpoint c : req.getCheckpointsList()) {
        if (store.leaseTable().checkpoint(w, c.getID(), c.getRemainingTTL())) {
          w.afterCommit(() -> store.notifyLeases(x -> x.checkpointed(c.getID(), c.getRemainingTTL())));
        }
      }
      return LeaseCheckpointResponse.newBuilder().setHeader(header(w.beginRev())).build();
    });
  }

  /**
   * etcd's alarm apply (see {@link MvccStore#alarms}). Committed on its own, with what was staged before it, so the
   * next write of the same run already sees the alarm through {@link MvccStore#alarms}.
   */
  public io.cairn.proto.etcdserverpb.AlarmResponse alarm(io.cairn.proto.etcdserverpb.AlarmRequest req,
      long consistentIndex) {
    commit();
    io.cairn.proto.etcdserverpb.AlarmResponse resp = stage(consistentIndex,
        r -> io.cairn.proto.etcdserverpb.AlarmResponse.getDefaultInstance(),
        w -> store.alarmTable().apply(w, req));
    commit();
    return resp;
  }

  /**
   * One auth change (one raft entry): {@code body} stages rows through the writer; they commit with the batch and do
   * not move the kv revision (etcd keeps auth beside the keyspace). {@code body} throwing refuses the change and stages
   * nothing. A replayed index stages nothing and answers {@code replayed}.
   */
  public <T> T auth(long consistentIndex, java.util.function.Supplier<T> replayed, Function<AuthWriter, T> body) {
    return stage(consistentIndex, r -> replayed.get(), w -> body.apply(new AuthWriter(w)));
  }

  /**
   * A compaction is recorded on its own: the staged writes are committed first (the compaction may name their
   * revisions), then {@link MvccStore#compactAsync} runs; the future completes when a physical compaction has
   * removed the history, so the writer need not wait for it.
   */
  public java.util.concurrent.CompletableFuture<CompactionResponse> compact(CompactionRequest req,
      long consistentIndex) {
    commit();
    return store.compactAsync(req, consistentIndex);
  }

  /**
   * Stages one write under the store's write lock. A replayed index (already in the store or staged) stages nothing
   * and answers with the current revision only, as {@link MvccStore} documents.
   */
  <T> T stage(long consistentIndex, LongFunction<T> replayed, Function<WriteTxn, T> body) {
    return store.guarded(() -> {
      synchronized (store.writeLock()) {
        checkNotBroken();
        if (!pending) {
          rev = store.currentRevision();
          index = store.consistentIndex();
          pending = true;
        }
        writes++;
        if (consistentIndex != 0 && consistentIndex <= index) return replayed.apply(rev);
        batch.setSavePoint();
        int before = batch.count();
        WriteTxn w = new WriteTxn(store.database(), batch, rev, stagedLive);
        T resp;
        try {
          resp = body.apply(w);
          batch.popSavePoint();
        } catch (RuntimeException e) {
          undo(before);
          throw e;
        } catch (RocksDBException e) {
          throw broken("pop save point", e);
        }
        if (w.hasChanges()) {
          rev = w.writeRev();
          revChanged = true;
        }
        liveDelta += w.liveDelta();
        dirty |= w.isDirty();
        index = Math.max(index, consistentIndex);
        afterCommit.addAll(w.afterCommitHooks());
        stagedLive.putAll(w.liveChanges());
        return resp;
      }
    });
  }

  /**
   * Drops what a refused write staged. Most refusals (lease or key not found, compacted revision) come before
   * anything is staged: then only the save point goes, since rolling back rebuilds the whole batch's index.
   */
  private void undo(int countBefore) {
    try {
      if (batch.count() == countBefore) {
        batch.popSavePoint();
      } else {
        batch.rollbackToSavePoint();
      }
    } catch (RocksDBException e) {
      throw broken("roll back a refused write", e);
    }
  }

  /**
   * The batch may now hold part of a write, or a write its revision does not count: it must never be committed.
   * Everything staged is dropped and every later call fails.
   */
  private IllegalStateException broken(String what, RocksDBException e) {
    reset();
    broken = true;
    return KvDatabase.failure(what, e);
  }

  /**
   * Writes everything staged as one RocksDB batch (with the revision and the consistent index), then publishes the
   * index and the revision (revision last, so a reader never sees part of it) and runs the after-commit hooks (lease
   * listener), in staging order. An index-only batch is not fsynced: losing it only means replaying no-ops.
   */
  public void commit() {
    checkNotBroken();
    if (!pending) return;
    store.guarded(() -> {
      synchronized (store.writeLock()) {
        boolean advance = index > store.consistentIndex();
        long live = liveDelta == 0 ? -1 : store.liveKeyCount() + liveDelta;
        try {
          if (live >= 0) batch.put(store.database().meta, KvDatabase.META_LIVE_KEYS, KeyCodec.longBytes(live));
          if (revChanged) batch.put(store.database().meta, KvDatabase.META_CURRENT_REVISION, KeyCodec.longBytes(rev));
          if (advance) batch.put(store.database().meta, KvDatabase.META_CONSISTENT_INDEX, KeyCodec.longBytes(index));
        } catch (RocksDBException e) {
          throw KvDatabase.failure("stage meta", e);
        }
        KvDatabase db = store.database();
        if (dirty || advance) {
          try {
            db.write(batch, dirty);
          } catch (RuntimeException e) {
            db.liveCache.clear(); // the write's outcome is unknown
            throw e;
          }
        }
        stagedLive.forEach(db.liveCache::committed);
        store.publish(advance ? index : -1, revChanged ? rev : -1, live);
        List<Runnable> hooks = List.copyOf(afterCommit);
        reset();
        for (Runnable r : hooks) r.run();
        return null;
      }
    });
  }

  private void checkNotBroken() {
    if (broken) throw new IllegalStateException("mvcc: a RocksDB failure broke this batch; it cannot be used");
  }

  private void reset() {
    batch.clear();
    afterCommit.clear();
    stagedLive.clear();
    pending = false;
    revChanged = false;
    liveDelta = 0;
    dirty = false;
    writes = 0;
  }

  private static ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder().setRevision(revision).build();
  }

  /** Drops anything not committed. */
  @Override
  public void close() {
    batch.close();
  }
}
