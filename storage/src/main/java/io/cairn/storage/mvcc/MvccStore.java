package io.cairn.storage.mvcc;

import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.proto.etcdserverpb.CompactionResponse;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.DeleteRangeResponse;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.PutResponse;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.ResponseHeader;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.TxnResponse;
import io.cairn.proto.mvccpb.Event;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's MVCC key-value store (revisions, history, compaction) on RocksDB, without an in-memory key index: every
 * read is answered by seeks on the {@code kv} column family (see storage/ENCODING.md), so opening does not scan the
 * data and memory is bounded by the RocksDB caches.
 *
 * <p>Threading: one writer (the raft apply thread) calls put/deleteRange/txn/compact; any number of threads read.
 * Each write is one RocksDB WriteBatch carrying the data, the new current revision and the consistent index; the
 * in-memory current revision is published only after that batch is written, so a reader never sees part of a
 * revision. Reads use a fresh RocksDB iterator (an implicit snapshot) and take no lock the writer holds.
 *
 * <p>Consistent index: a write whose {@code consistentIndex} is non-zero and not greater than the stored one has
 * already been applied (raft log replay after a restart) and is skipped; the returned response then carries only
 * header.revision = current revision, not the original response. Index 0 means "no raft" and is always applied.
 * Calls that fail (MvccException) change nothing, including the stored index: replaying them fails the same way.
 */
public final class MvccStore implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MvccStore.class);

  private final KvDatabase db;
  private final LeaseLookup leases;
  private final Compactor compactor;
  private final AtomicLong currentRev;
  /** etcd's compactMainRev: the scheduled compact revision, -1 if never compacted. */
  private final AtomicLong compactRev;
  private final AtomicLong consistentIndex;
  /** Readers and the writer share the read side; only close() takes the write side (native handles go away). */
  private final ReentrantReadWriteLock closeGuard = new ReentrantReadWriteLock();
  private final Object writeLock = new Object();
  private volatile boolean closed;

  private MvccStore(KvDatabase db, StoreOptions options) {
    this.db = db;
    this.leases = options.leaseLookup();
    this.currentRev = new AtomicLong(db.metaLong(KvDatabase.META_CURRENT_REVISION, 1));
    this.compactRev = new AtomicLong(db.metaLong(KvDatabase.META_COMPACT_SCHEDULED, -1));
    this.consistentIndex = new AtomicLong(db.metaLong(KvDatabase.META_CONSISTENT_INDEX, 0));
    long finished = db.metaLong(KvDatabase.META_COMPACT_FINISHED, -1);
    this.compactor = new Compactor(db, options.compactionBatchOps(), finished);
    if (compactRev.get() > finished) {
      log.info("resuming interrupted mvcc compaction to revision {} (last finished {})", compactRev.get(), finished);
      compactor.schedule(compactRev.get());
    }
  }

  /** Creates the store in {@code dir} or reopens it; resumes an interrupted compaction in the background. */
  public static MvccStore open(Path dir, StoreOptions options) {
    KvDatabase db = KvDatabase.open(dir, options);
    try {
      return new MvccStore(db, options);
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
  }

  // ---------------------------------------------------------------------------------------------- reads

  /** etcd Range; header carries only revision = the current revision at read time (not req.revision). */
  public RangeResponse range(RangeRequest req) {
    RequestValidation.validateRange(req);
    return guarded(() -> {
      long cur = currentRev.get();
      RangeResponse resp;
      try (RocksIterator it = db.newIterator(db.kv)) {
        resp = RangeEvaluator.execute(req, it, cur, compactRev.get());
      }
      checkNotCompactedMeanwhile(req.getRevision() <= 0 ? cur : req.getRevision());
      return resp;
    });
  }

  /**
   * Revision-ordered history for watch replay: events of revisions {@code fromRevision..current}, at most
   * {@code maxRevisions} distinct revisions ({@code <= 0}: no limit). PUT events carry the full KeyValue, DELETE
   * events only key and mod_revision; prev_kv is never set.
   *
   * @throws MvccException compacted, if {@code fromRevision < compactRevision()}
   */
  public List<Event> changesSince(long fromRevision, int maxRevisions) {
    return guarded(() -> {
      long cur = currentRev.get();
      if (fromRevision < compactRevision()) throw MvccException.compacted();
      List<Event> events = ChangeLog.read(db, fromRevision, cur, maxRevisions);
      checkNotCompactedMeanwhile(fromRevision);
      return events;
    });
  }

  /**
   * A compaction recorded after a read's revision check may already have deleted versions the read needed; the
   * compact revision is published before any deletion, so re-checking it after the read detects that.
   */
  private void checkNotCompactedMeanwhile(long rev) {
    if (rev < compactRev.get()) throw MvccException.compacted();
  }

  public long currentRevision() {
    return currentRev.get();
  }

  /** The latest compact revision (reads below it fail); 0 if never compacted. */
  public long compactRevision() {
    return Math.max(compactRev.get(), 0);
  }

  public long consistentIndex() {
    return consistentIndex.get();
  }

  /** On-disk size of the database (SSTs, WAL, manifest) plus memtables; never 0. */
  public long dbSizeBytes() {
    return guarded(db::sizeBytes);
  }

  /** RocksDB's estimate of live data plus memtables (space not yet reclaimed after compaction excluded). */
  public long dbSizeInUseBytes() {
    return guarded(() -> Math.min(db.liveBytes(), db.sizeBytes()));
  }

  // ---------------------------------------------------------------------------------------------- writes

  public PutResponse put(PutRequest req, long consistentIndex) {
    RequestValidation.validatePut(req);
    return write(consistentIndex, () -> PutResponse.newBuilder().setHeader(header(currentRev.get())).build(), w -> {
      // etcd checks the lease before the ignore_* key existence for a plain Put (the reverse inside a Txn)
      if (req.getLease() != 0 && !leases.exists(req.getLease())) throw MvccException.leaseNotFound();
      return WriteOps.put(w, req);
    });
  }

  public DeleteRangeResponse deleteRange(DeleteRangeRequest req, long consistentIndex) {
    RequestValidation.validateDeleteRange(req);
    return write(consistentIndex,
        () -> DeleteRangeResponse.newBuilder().setHeader(header(currentRev.get())).build(),
        w -> WriteOps.deleteRange(w, req));
  }

  /**
   * etcd Txn. The request shape is validated here too (with no op-count limit; the API layer enforces
   * --max-txn-ops). Any error in the chosen branch aborts the whole txn without writing anything.
   */
  public TxnResponse txn(TxnRequest req, long consistentIndex) {
    RequestValidation.validateTxn(req, Integer.MAX_VALUE);
    return write(consistentIndex, () -> TxnResponse.newBuilder().setHeader(header(currentRev.get())).build(), w -> {
      TxnResponse.Builder resp = new TxnExecutor(leases, compactRev.get()).execute(req, w);
      return resp.setHeader(header(w.hasChanges() ? w.writeRev() : w.beginRev())).build();
    });
  }

  /**
   * Records compact revision C at once (reads below it fail from now on) and removes the history below it in the
   * background; with {@code physical} the call returns only when that removal is finished. The store revision does
   * not change. An interrupted removal resumes on the next open.
   */
  public CompactionResponse compact(CompactionRequest req, long consistentIndex) {
    Scheduled s = guarded(() -> {
      synchronized (writeLock) {
        long cur = currentRev.get();
        CompactionResponse resp = CompactionResponse.newBuilder().setHeader(header(cur)).build();
        if (isReplay(consistentIndex)) return new Scheduled(resp, null);
        long c = req.getRevision();
        if (c <= compactRev.get()) throw MvccException.compacted();
        if (c > cur) throw MvccException.futureRev();
        boolean advance = consistentIndex > this.consistentIndex.get();
        try (WriteBatch b = new WriteBatch()) {
          b.put(db.meta, KvDatabase.META_COMPACT_SCHEDULED, KeyCodec.longBytes(c));
          if (advance) b.put(db.meta, KvDatabase.META_CONSISTENT_INDEX, KeyCodec.longBytes(consistentIndex));
          db.write(b, true);
        } catch (RocksDBException e) {
          throw KvDatabase.failure("record compaction", e);
        }
        compactRev.set(c); // before any deletion: see checkNotCompactedMeanwhile
        if (advance) this.consistentIndex.set(consistentIndex);
        try {
          return new Scheduled(resp, compactor.schedule(c)); // queued under the write lock: jobs run in order
        } catch (RejectedExecutionException closing) {
          return new Scheduled(resp, null); // recorded; resumes on the next open
        }
      }
    });
    if (req.getPhysical() && s.done() != null) {
      try {
        s.done().join(); // outside the locks: readers and close() are not held up
      } catch (CompletionException e) {
        // logged by the compactor; the revision stays recorded and the removal is retried on the next open
      }
    }
    return s.response();
  }

  private record Scheduled(CompactionResponse response, CompletableFuture<Void> done) {}

  private boolean isReplay(long index) {
    return index != 0 && index <= consistentIndex.get();
  }

  private <T> T write(long index, Supplier<T> replayed, Function<WriteTxn, T> body) {
    return guarded(() -> {
      synchronized (writeLock) {
        if (isReplay(index)) return replayed.get();
        try (WriteTxn w = new WriteTxn(db, currentRev.get())) {
          T resp = body.apply(w);
          commit(w, index);
          return resp;
        }
      }
    });
  }

  /** One batch: data + current revision + consistent index; then publish, index first, revision last. */
  private void commit(WriteTxn w, long index) {
    boolean changed = w.hasChanges();
    boolean advance = index > consistentIndex.get();
    if (changed) w.putMeta(KvDatabase.META_CURRENT_REVISION, w.writeRev());
    if (advance) w.putMeta(KvDatabase.META_CONSISTENT_INDEX, index);
    if (!changed && !advance) return;
    // an index-only batch (nothing changed) is not fsynced: losing it only means replaying a no-op
    db.write(w.batch(), changed);
    if (advance) consistentIndex.set(index);
    if (changed) currentRev.set(w.writeRev());
  }

  private static ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder().setRevision(revision).build();
  }

  /**
   * Makes every applied write durable in the store's own files (memtables flushed to SSTs). The raft
   * log may be compacted through {@link #consistentIndex()} only after this returns.
   */
  public void flush() {
    guarded(() -> {
      db.flush();
      return null;
    });
  }

  /** etcd's Defragment: reclaims the space that deletes and compaction freed. */
  public void defragment() {
    guarded(() -> {
      db.compactAll();
      return null;
    });
  }

  private <T> T guarded(Supplier<T> action) {
    Lock lock = closeGuard.readLock();
    lock.lock();
    try {
      if (closed) throw new MvccException(MvccException.Code.FAILED_PRECONDITION, "mvcc: store is closed");
      return action.get();
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------------------------------------- test hooks

  /** Blocks until every compaction queued so far has finished (or was skipped). */
  void awaitCompaction() {
    compactor.schedule(Long.MIN_VALUE).join();
  }

  KvDatabase database() {
    return db;
  }

  @Override
  public void close() {
    if (closed) return;
    closed = true;
    compactor.close(); // stops between batches; an unfinished compaction resumes on the next open
    Lock lock = closeGuard.writeLock();
    lock.lock();
    try {
      db.close();
    } finally {
      lock.unlock();
    }
  }
}
