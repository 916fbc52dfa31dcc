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
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.ResponseHeader;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.TxnResponse;
import com.google.protobuf.ByteString;
import io.cairn.proto.mvccpb.Event;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 * Each write, or each run of writes staged in a {@link StoreBatch} (the apply thread's batch of raft entries), is one
 * RocksDB WriteBatch carrying the data, the new current revision and the consistent index; the in-memory current
 * revision is published only after that batch is written, so a reader never sees part of a
 * revision. Reads use a fresh RocksDB iterator (an implicit snapshot) and take no lock the writer holds.
 *
 * <p>Leases: the store also holds etcd's persisted lease state (lease id → granted and checkpointed TTL) and the
 * index of keys attached to each lease, maintained by every put/delete/txn in the same batch, so a Put's lease check
 * and a revoke's key deletion never scan the key space. Expiry is decided outside (the leader's lessor), which
 * proposes revocations; {@link #subscribeLeases} keeps such a lessor in step with the applied lease changes.
 *
 * <p>Consistent index: a write whose {@code consistentIndex} is non-zero and not greater than the stored one has
 * already been applied (raft log replay after a restart) and is skipped; the returned response then carries only
 * header.revision = current revision, not the original response. Index 0 means "no raft" and is always applied.
 * Calls that fail (MvccException) change nothing, including the stored index: replaying them fails the same way.
 */
public final class MvccStore implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MvccStore.class);

  /** etcd's MaxLeaseTTL in seconds; a grant above it fails with "etcdserver: too large lease TTL". */
  public static final long MAX_LEASE_TTL = LeaseTable.MAX_TTL;

  // Replaced only by restoreFrom, under the close guard's write lock (readers hold its read lock).
  private volatile KvDatabase db;
  private volatile LeaseTable leases;
  private volatile AlarmTable alarms;
  private volatile LeaseListener leaseListener;
  private volatile Compactor compactor;
  private final StoreOptions options;
  private final AtomicLong currentRev;
  /** Keys live at the current revision (etcd_debugging_mvcc_keys_total), kept by each committed batch. */
  private final AtomicLong liveKeys;
  /** etcd's compactMainRev: the scheduled compact revision, -1 if never compacted. */
  private final AtomicLong compactRev;
  private final AtomicLong consistentIndex;
  /** Readers and the writer share the read side; only close() takes the write side (native handles go away). */
  private final ReentrantReadWriteLock closeGuard = new ReentrantReadWriteLock();
  /** The hashes taken at the last compactions, when {@link #recordCompactionHashes} is on. */
  private final CompactionHashes compactionHashes = new CompactionHashes();
  private volatile boolean recordCompactionHashes;
  /** Runs Defragment; cancelled when the store closes or is replaced. */
  final Defragmenter defragmenter = new Defragmenter();
  private final Object writeLock = new Object();
  private volatile boolean closed;

  private MvccStore(KvDatabase db, StoreOptions options) {
    this.db = db;
    this.options = options;
    this.leases = new LeaseTable(db);
    this.alarms = new AlarmTable(db);
    this.currentRev = new AtomicLong(db.metaLong(KvDatabase.META_CURRENT_REVISION, 1));
    this.compactRev = new AtomicLong(db.metaLong(KvDatabase.META_COMPACT_SCHEDULED, -1));
    this.consistentIndex = new AtomicLong(db.metaLong(KvDatabase.META_CONSISTENT_INDEX, 0));
    this.liveKeys = new AtomicLong(liveKeysOf(db, currentRev.get()));
    long finished = db.metaLong(KvDatabase.META_COMPACT_FINISHED, -1);
    this.compactor = new Compactor(db, options.compactionBatchOps(), finished);
    if (compactRev.get() > finished) {
      log.info("resuming interrupted mvcc compaction to revision {} (last finished {})", compactRev.get(), finished);
      compactor.schedule(compactRev.get());
    }
  }

  /** Creates the store in {@code dir} or reopens it; resumes an interrupted compaction in the background. */
  public static MvccStore open(Path dir, StoreOptions options) {
    try {
      StoreSwap.recover(dir);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("mvcc: cannot recover an interrupted store swap in " + dir + ": " + e, e);
    }
    KvDatabase db = KvDatabase.open(dir, options);
    if (!options.syncWrites()) {
      io.cairn.storage.failpoint.Failpoints.onPowerLoss(() -> dropUnsyncedLog(dir));
    }
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
    return range(req, true);
  }

  /**
   * A Range that reads no further than its {@code limit} + 1 keys (enough to know {@code more}) when it has no sort
   * and no revision filters; its {@code count} then covers only the keys read. For reads in chunks (RangeStream),
   * which would otherwise walk the rest of the range at every chunk.
   */
  public RangeResponse rangeUncounted(RangeRequest req) {
    return range(req, false);
  }

  private RangeResponse range(RangeRequest req, boolean countAll) {
    RequestValidation.validateRange(req);
    return guarded(() -> {
      long cur = currentRev.get();
      RangeResponse resp;
      // Two iterators (kv, kv_keys) may each see a different moment, but a range reads at a revision <= cur, whose
      // versions only a compaction past it could change, and checkNotCompactedMeanwhile fails the read then.
      KvDatabase d = db;
      resp = RangeEvaluator.execute(req, RangeEvaluator.Source.of(d), cur, compactRev.get(),
          new ResponseBudget(options.maxResponseBytes()), countAll);
      checkNotCompactedMeanwhile(req.getRevision() <= 0 ? cur : req.getRevision());
      return resp;
    });
  }

  /**
   * A txn whose ops are all ranges ({@link #isReadOnlyTxn}), served as etcd serves it: off the apply thread, on
   * one point-in-time view, header at the current revision.
   */
  public TxnResponse readOnlyTxn(TxnRequest req) {
    RequestValidation.validateTxn(req, Integer.MAX_VALUE);
    if (!TxnExecutor.isReadOnly(req)) throw new IllegalArgumentException("not a read-only txn");
    return guarded(() -> {
      try (SnapshotView view = new SnapshotView(db, currentRev.get())) {
        TxnExecutor txn = new TxnExecutor(id -> false, compactRev.get(), options.maxResponseBytes());
        TxnResponse.Builder resp = txn.executeReadOnly(req, view);
        // compares and revision-0 ranges read at the current revision, which no compaction passes
        if (txn.lowestRangeRevision() != Long.MAX_VALUE) checkNotCompactedMeanwhile(txn.lowestRangeRevision());
        return resp.setHeader(ResponseHeader.newBuilder().setRevision(view.readRev())).build();
      }
    });
  }

  /** etcd's {@code isTxnReadonly}: every op of both branches is a range. */
  public static boolean isReadOnlyTxn(TxnRequest req) {
    return TxnExecutor.isReadOnly(req);
  }

  long maxResponseBytes() {
    return options.maxResponseBytes();
  }

  /**
   * Revision-ordered history for watch replay: events of revisions {@code fromRevision..current}, at most
   * {@code maxRevisions} distinct revisions ({@code <= 0}: no limit). PUT events carry the full KeyValue, DELETE
   * events only key and mod_revision; prev_kv is never set.
   *
   * @throws MvccException compacted, if {@code fromRevision < compactRevision()}
   */
  public List<Event> changesSince(long fromRevision, int maxRevisions) {
    return changesSince(fromRevision, maxRevisions, 0);
  }

  /**
   * The same, bounded also by size: reading ends at a revision boundary once {@code maxBytes} of keys and values are
   * read (at least one whole revision is always returned), so one catch-up batch cannot exhaust the heap.
   */
  public List<Event> changesSince(long fromRevision, int maxRevisions, long maxBytes) {
    return guarded(() -> {
      long cur = currentRev.get();
      if (fromRevision < compactRevision()) throw MvccException.compacted();
      List<Event> events = ChangeLog.read(db, fromRevision, cur, maxRevisions, maxBytes);
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

  /**
   * The store's size: its live SST files plus its memtables (see {@link KvDatabase#storeBytes}); never 0. Status'
   * dbSize, etcd_mvcc_db_total_size_in_bytes and the backend quota all use this figure, as etcd uses its bbolt file
   * size for all three; like that file, it shrinks only when compaction and defragmentation rewrite the data.
   */
  public long dbSizeBytes() {
    return guarded(() -> Math.max(db.storeBytes(), 1)); // db read under the guard: restoreFrom replaces it
  }

  /** What RocksDB's native memory holds now: the part of a member's memory outside the JVM's accounting. */
  public StoreMemory memory() {
    return guarded(db::memory);
  }

  /** RocksDB's estimate of live data plus memtables (space not yet reclaimed after compaction excluded). */
  public long dbSizeInUseBytes() {
    return guarded(() -> Math.min(db.liveBytes(), Math.max(db.storeBytes(), 1)));
  }

  /**
   * The active alarms (etcd's alarm store), ordered by alarm type then member id; changed only by applied alarm
   * requests ({@link StoreBatch#alarm}), and replaced with a snapshot's.
   */
  public List<io.cairn.proto.etcdserverpb.AlarmMember> alarms() {
    return alarms.all();
  }

  /** The active alarms of {@code type} (NONE: all), as etcd's alarm store answers Get. */
  public List<io.cairn.proto.etcdserverpb.AlarmMember> alarms(io.cairn.proto.etcdserverpb.AlarmType type) {
    return AlarmTable.ofType(alarms.all(), type);
  }

  // ---------------------------------------------------------------------------------------------- writes

  public PutResponse put(PutRequest req, long consistentIndex) {
    return single(b -> b.put(req, consistentIndex));
  }

  public DeleteRangeResponse deleteRange(DeleteRangeRequest req, long consistentIndex) {
    return single(b -> b.deleteRange(req, consistentIndex));
  }

  /**
   * etcd Txn. The request shape is validated here too (with no op-count limit; the API layer enforces
   * --max-txn-ops). Any error in the chosen branch aborts the whole txn without writing anything.
   */
  public TxnResponse txn(TxnRequest req, long consistentIndex) {
    return single(b -> b.txn(req, consistentIndex));
  }

  /**
   * A batch for applying many writes (raft entries) with one RocksDB write; see {@link StoreBatch}. Single writer:
   * the caller must not write through this store by other means while the batch holds uncommitted writes.
   */
  public StoreBatch newBatch() {
    return new StoreBatch(this);
  }

  /** One write as a batch of its own, under the write lock throughout so concurrent callers stay serial. */
  private <T> T single(Function<StoreBatch, T> op) {
    return guarded(() -> {
      synchronized (writeLock) {
        try (StoreBatch b = new StoreBatch(this)) {
          T resp;
          try {
            resp = op.apply(b);
          } catch (MvccException refused) {
            b.commit(); // as on the apply path: a refusal stages nothing, or (oversized txn reads) what must apply
            throw refused;
          }
          b.commit();
          return resp;
        }
      }
    });
  }

  // ---------------------------------------------------------------------------------------------- leases

  /**
   * etcd lessor.Grant as applied: records lease {@code id} with {@code ttl} seconds (the caller has already raised it
   * to the minimum TTL). Does not change the revision.
   *
   * @throws MvccException "requested lease not found" for id 0, "too large lease TTL" above {@link #MAX_LEASE_TTL},
   *     "lease already exists"
   */
  public LeaseGrantResponse leaseGrant(long id, long ttl, long consistentIndex) {
    return single(b -> b.leaseGrant(id, ttl, consistentIndex));
  }

  /**
   * etcd lessor.Revoke as applied: deletes every key attached to the lease in one revision (DELETE events in the
   * change log, in key order) and the lease itself. header.revision is the new revision, or the current one if no key
   * was attached.
   *
   * @throws MvccException "requested lease not found"
   */
  public LeaseRevokeResponse leaseRevoke(long id, long consistentIndex) {
    return single(b -> b.leaseRevoke(id, consistentIndex));
  }

  /** etcd lessor.Checkpoint for one lease: records its remaining TTL (0 clears it); an unknown lease is ignored. */
  public LeaseCheckpointResponse leaseCheckpoint(long id, long remainingTtl, long consistentIndex) {
    return leaseCheckpoint(LeaseCheckpointRequest.newBuilder()
        .addCheckpoints(LeaseCheckpoint.newBuilder().setID(id).setRemainingTTL(remainingTtl)).build(), consistentIndex);
  }

  /** A batch of checkpoints as one write (one raft entry); unknown leases are ignored. */
  public LeaseCheckpointResponse leaseCheckpoint(LeaseCheckpointRequest req, long consistentIndex) {
    return single(b -> b.leaseCheckpoint(req, consistentIndex));
  }

  public boolean leaseExists(long id) {
    return guarded(() -> leases.exists(id));
  }

  /** The lease, or null. */
  public LeaseRecord lease(long id) {
    return guarded(() -> leases.get(id));
  }

  /** Every lease, ordered by id as unsigned bytes. */
  public List<LeaseRecord> leases() {
    return guarded(() -> leases.all());
  }

  /** The keys attached to lease {@code id}, in byte-wise order (empty for an unknown lease). */
  public List<ByteString> leaseKeys(long id) {
    return guarded(() -> leases.keys(id));
  }

  /**
   * Registers the (single) listener: it is first told every existing lease as {@code granted}, then every lease change
   * applied from then on. Both happen under the write lock, on the caller's thread and then the writer's, so the
   * listener misses nothing, sees nothing twice, and never has to take its own lock before the store's.
   */
  public void subscribeLeases(LeaseListener listener) {
    guarded(() -> {
      synchronized (writeLock) {
        leaseListener = listener;
        for (LeaseRecord l : leases.all()) listener.granted(l);
        return null;
      }
    });
  }

  /** Every auth row, in key order (a small table: read whole when the auth state is loaded). */
  public java.util.SortedMap<ByteString, byte[]> authRows() {
    return guarded(() -> {
      java.util.SortedMap<ByteString, byte[]> out = new java.util.TreeMap<>(ByteString.unsignedLexicographicalComparator());
      try (org.rocksdb.RocksIterator it = db.newIterator(db.auth)) {
        for (it.seekToFirst(); it.isValid(); it.next()) out.put(ByteString.copyFrom(it.key()), it.value());
      }
      return out;
    });
  }

  private final java.util.List<Runnable> restoreListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Runs {@code r} on the writer's thread each time {@link #restoreFrom} replaced the contents (state to reload). */
  public void onRestored(Runnable r) {
    restoreListeners.add(r);
  }

  void notifyLeases(java.util.function.Consumer<LeaseListener> event) {
    LeaseListener l = leaseListener;
    if (l == null) return;
    try {
      event.accept(l);
    } catch (RuntimeException e) {
      log.error("lease listener failed", e); // the write is done; the listener's state is its own problem
    }
  }

  /**
   * Records compact revision C at once (reads below it fail from now on) and removes the history below it in the
   * background; with {@code physical} the call returns only when that removal is finished. The store revision does
   * not change. An interrupted removal resumes on the next open.
   */
  public CompactionResponse compact(CompactionRequest req, long consistentIndex) {
    return compactAsync(req, consistentIndex).join(); // outside the locks: readers and close() are not held up
  }

  /**
   * {@link #compact}, without waiting: the revision is recorded before this returns, and the future completes at
   * once, or with {@code physical} once the history below it is removed (a failed removal is logged by the
   * compactor and retried on the next open; the future still completes with the response).
   *
   * @throws MvccException compacted or future revision, at once
   */
  public CompletableFuture<CompactionResponse> compactAsync(CompactionRequest req, long consistentIndex) {
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
        long previous = compactRev.get();
        compactRev.set(c); // before any deletion: see checkNotCompactedMeanwhile
        if (advance) this.consistentIndex.set(consistentIndex);
        try {
          if (recordCompactionHashes) {
            org.rocksdb.Snapshot snap = db.snapshot(); // holds what the compaction removes, for the hash
            try {
              compactor.scheduleHash(snap, c, previous, compactionHashes::add);
            } catch (RejectedExecutionException closing) {
              db.releaseSnapshot(snap);
              throw closing;
            }
          }
          return new Scheduled(resp, compactor.schedule(c)); // queued under the write lock: jobs run in order
        } catch (RejectedExecutionException closing) {
          return new Scheduled(resp, null); // recorded; resumes on the next open
        }
      }
    });
    if (!req.getPhysical() || s.done() == null) return CompletableFuture.completedFuture(s.response());
    return s.done().handle((ok, failed) -> s.response());
  }

  private record Scheduled(CompactionResponse response, CompletableFuture<Void> done) {}

  private boolean isReplay(long index) {
    return index != 0 && index <= consistentIndex.get();
  }

  // ---------------------------------------------------------------------------------------------- for StoreBatch

  Object writeLock() {
    return writeLock;
  }

  AlarmTable alarmTable() {
    return alarms;
  }

  LeaseTable leaseTable() {
    return leases;
  }

  /** The scheduled compact revision, -1 if never compacted. */
  long compactRevisionRaw() {
    return compactRev.get();
  }

  /** After a batch is written: the index and the live key count first, the revision last (-1: unchanged). */
  void publish(long index, long revision, long live) {
    if (index >= 0) consistentIndex.set(index);
    if (live >= 0) liveKeys.set(live);
    if (revision >= 0) currentRev.set(revision);
  }

  /** How many keys are live at the current revision: a counter, not a scan (a scrape must not walk the store). */
  public long liveKeyCount() {
    return liveKeys.get();
  }

  /**
   * The stored live key count, or, for a store written before it was kept (or built by an import), one walk of the
   * key space at {@code revision}, stored for next time.
   */
  private static long liveKeysOf(KvDatabase d, long revision) {
    long stored = d.metaLong(KvDatabase.META_LIVE_KEYS, -1);
    if (stored >= 0) return stored;
    long[] n = {0};
    ByteString all = ByteString.copyFrom(new byte[] {0});
    try (RocksIterator it = d.newIterator(d.kvKeys)) { // counting needs no values
      RangeReader.forEachLive(it, KeyRange.of(all, all), revision, (k, i) -> {
        n[0]++;
        return true;
      });
    }
    d.putMetaLong(KvDatabase.META_LIVE_KEYS, n[0]);
    return n[0];
  }

  private static ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder().setRevision(revision).build();
  }

  /** Writes every memtable to fsynced SST files (benchmarks use it to read from SST files rather than memory). */
  public void flush() {
    guarded(() -> {
      db.flush();
      return null;
    });
  }

  /**
   * A consistent copy of the store in {@code target} (a new directory, hard links to the SST files): kept with
   * a snapshot, or sent to a follower that fell behind the leader's log; returns {@code target}. RocksDB flushes
   * every memtable first, so afterwards the store itself holds every write made before the call without its own
   * log: the raft log may be compacted through the {@link #consistentIndex()} read before it.
   */
  public Path checkpoint(Path target) {
    return guarded(() -> {
      db.checkpoint(target);
      return target;
    });
  }

  /**
   * Replaces this store's contents with {@code prepared}, a private copy of a checkpoint made by {@link #checkpoint}
   * (the follower side of a Raft snapshot, or a restart that found the store behind its snapshot). Call on the writer
   * thread; readers wait meanwhile. A copy that is not ahead of this store (its consistent index at or below this
   * store's) is refused and deleted: installing it would roll back applied entries. The swap is crash-safe
   * ({@link StoreSwap}).
   *
   * @return whether the store was replaced
   */
  public boolean restoreFrom(Path prepared) {
    long incoming = inspect(prepared).consistentIndex();
    if (incoming <= consistentIndex.get()) {
      log.warn("not installing a store at raft index {}: this store is already at {}", incoming,
          consistentIndex.get());
      deleteTree(prepared);
      return false;
    }
    Lock lock = exclusive();
    try {
      if (closed) throw new MvccException(MvccException.Code.FAILED_PRECONDITION, "mvcc: store is closed");
      Path dir = db.dir();
      compactor.close();
      db.close();
      afterClose.run();
      try {
        StoreSwap.swap(dir, prepared);
      } catch (java.io.IOException e) {
        // the old store may be gone from its name: this member cannot go on with a store it can name
        closed = true;
        throw new IllegalStateException("mvcc: cannot move the snapshot into place: " + e, e);
      }
      KvDatabase fresh = KvDatabase.open(dir, options);
      db = fresh;
      leases = new LeaseTable(fresh);
      alarms = new AlarmTable(fresh);
      currentRev.set(fresh.metaLong(KvDatabase.META_CURRENT_REVISION, 1));
      compactRev.set(fresh.metaLong(KvDatabase.META_COMPACT_SCHEDULED, -1));
      consistentIndex.set(fresh.metaLong(KvDatabase.META_CONSISTENT_INDEX, 0));
      liveKeys.set(liveKeysOf(fresh, currentRev.get()));
      long finished = fresh.metaLong(KvDatabase.META_COMPACT_FINISHED, -1);
      compactor = new Compactor(fresh, options.compactionBatchOps(), finished);
      if (compactRev.get() > finished) {
        compactor.schedule(compactRev.get());
      }
      // the lessor follows the new contents: it forgets every lease and is told the snapshot's ones
      notifyLeases(l -> {
        l.reset();
        for (LeaseRecord r : leases.all()) l.granted(r);
      });
      restoreListeners.forEach(Runnable::run);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Simulated power loss: RocksDB's own log is never fsynced here (the raft WAL is), so all of it may be lost; what
   * flushes made durable (SST files, the manifest) stays. The store then reopens at its last flush, a batch boundary.
   */
  private static void dropUnsyncedLog(Path dir) throws java.io.IOException {
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".log")).toList()) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f,
            java.nio.file.StandardOpenOption.WRITE)) {
          ch.truncate(0);
        }
      }
    }
  }

  /** Where a caller prepares a copy for {@link #restoreFrom} (removed at open if a crash left it). */
  public static Path restoringDir(Path storeDir) {
    return StoreSwap.sibling(storeDir, StoreSwap.RESTORING);
  }

  /** Test hook: threads waiting for the store's guard. */
  int queuedReaders() {
    return closeGuard.getQueueLength();
  }

  /** Test hook: runs inside restoreFrom once the old database is closed, with readers held off. */
  volatile Runnable afterClose = () -> { };

  private static void deleteTree(Path dir) {
    try {
      StoreSwap.deleteTree(dir);
    } catch (java.io.IOException e) {
      log.warn("could not remove {}: {}", dir, e.getMessage());
    }
  }

  // ---------------------------------------------------------------------------------------------- hashes

  /**
   * etcd's HashKV at {@code revision} (0: the current one), equal to etcd's for the same history; see
   * {@link KvHasher}.
   *
   * @throws MvccException compacted below the compact revision (etcd 3.6: the compact revision itself is allowed),
   *     future revision above the current one
   */
  public StoreHash hashKv(long revision) {
    return guarded(() -> KvHasher.hash(db, currentRev, compactRev, revision, false));
  }

  /**
   * From now on, every compaction first hashes the history it removes (etcd 3.6's CompactHashCheck): a full read of
   * the store on the compactor's thread, so it is done only where the check is enabled.
   */
  public void recordCompactionHashes() {
    recordCompactionHashes = true;
  }

  /** The hashes taken at the last compactions (empty unless {@link #recordCompactionHashes}). */
  public CompactionHashes compactionHashes() {
    return compactionHashes;
  }

  /** Maintenance.Hash: the whole store at the current revision; see {@link KvHasher#hashAll}. */
  public StoreHash hash() {
    return guarded(() -> KvHasher.hash(db, currentRev, compactRev, 0, true));
  }

  /** Every version the store holds (puts and tombstones, of every key), as etcd's key bucket counts them. */
  public long historyEntries() {
    return guarded(() -> KvHasher.versions(db));
  }

  /** What a closed store (a checkpoint) is at, read without changing its files. */
  public static StoreInfo inspect(Path dir) {
    long[] m = KvDatabase.readMeta(dir, KvDatabase.META_CURRENT_REVISION, KvDatabase.META_COMPACT_SCHEDULED,
        KvDatabase.META_CONSISTENT_INDEX);
    return new StoreInfo(m[0] < 0 ? 1 : m[0], m[1], Math.max(m[2], 0));
  }

  /**
   * For a store restored from a backup as a new cluster: forgets the raft index it was taken at, so the new
   * cluster's log, which starts again at index 1, applies to it.
   */
  public void resetConsistentIndex() {
    guarded(() -> {
      synchronized (writeLock) {
        try (WriteBatch b = new WriteBatch()) {
          b.put(db.meta, KvDatabase.META_CONSISTENT_INDEX, KeyCodec.longBytes(0));
          db.write(b, true);
        } catch (RocksDBException e) {
          throw KvDatabase.failure("reset consistent index", e);
        }
        consistentIndex.set(0);
        db.flush();
        return null;
      }
    });
  }

  /** etcd's Defragment: reclaims the space that deletes and compaction freed, while clients go on being served. */
  public void defragment() {
    guarded(() -> {
      io.cairn.storage.failpoint.Failpoints.hit(io.cairn.storage.failpoint.Failpoints.Point.defragBeforeCompact);
      defragmenter.run(db);
      return null;
    });
  }

  /**
   * Takes the close guard's exclusive side. A defragment holds the shared side for as long as RocksDB compacts, so it
   * is cancelled (again, should one start meanwhile) until the guard is ours: a swap or close never waits for it.
   */
  private Lock exclusive() {
    Lock lock = closeGuard.writeLock();
    defragmenter.cancel();
    try {
      while (!lock.tryLock(50, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        defragmenter.cancel();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      lock.lock();
    }
    return lock;
  }

  <T> T guarded(Supplier<T> action) {
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
    Lock lock = exclusive();
    try {
      db.close();
    } finally {
      lock.unlock();
    }
  }
}
