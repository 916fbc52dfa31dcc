package io.cairn.server.raft;

import com.google.protobuf.Message;
import io.cairn.proto.raftpb.ConfChangeV2;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.raft.RaftConfig;
import io.cairn.raft.RandomSource;
import io.cairn.raft.RawNode;
import io.cairn.server.api.EtcdErrors;
import io.cairn.server.api.MemberState;
import io.cairn.server.apply.Proposer;
import io.cairn.server.apply.RequestApplier;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.server.peer.PeerTransport;
import io.cairn.proto.serverpb.MemberRecord;
import io.cairn.server.cluster.Membership;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member whose writes go through Raft: a proposal is appended to the WAL, fsynced, committed and
 * applied before its caller hears back; reads wait for a ReadIndex round and the applied index.
 * Time comes from the given scheduler and election randomness from the given source, so tests and
 * simulators can drive both.
 */
public final class RaftMember implements Proposer, MemberState {
  private static final Logger LOG = LoggerFactory.getLogger(RaftMember.class);

  /** Settings taken from etcd's flags. */
  public record Settings(long heartbeatMs, long electionMs, long snapshotCount, int maxSnapshots, boolean preVote) {
    /** etcd's request timeout: 5 s plus two election timeouts. */
    Duration requestTimeout() {
      return Duration.ofMillis(5000 + 2 * electionMs);
    }
  }

  static final long MAX_APPLY_BACKLOG = 5000;

  private final long memberId;
  private final long clusterId;
  private final MvccStore store;
  private final Settings settings;
  private final DurableLog log;
  private final ApplyLoop apply;
  private final RaftLoop raft;
  private final ConcurrentHashMap<Long, CompletableFuture<Message>> waits = new ConcurrentHashMap<>();
  private final RequestIds ids;
  private final PeerTransport transport;
  private final Membership membership;
  private final ConcurrentHashMap<Long, CompletableFuture<List<MemberRecord>>> confWaits = new ConcurrentHashMap<>();
  private final ScheduledExecutorService scheduler;
  private final ScheduledFuture<?> ticker;
  /** etcd's request timeout for proposals and read barriers. */
  private final Deadlines deadlines;
  private final ScheduledFuture<?> deadlineSweep;
  private volatile long lastSnapshotIndex;
  private final Path snapDir;
  /** Takes store checkpoints for snapshots, so neither the apply nor the raft thread waits for the flush. */
  private final java.util.concurrent.ExecutorService snapshotter = java.util.concurrent.Executors
      .newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cairn-snapshot");
        t.setDaemon(true);
        return t;
      });
  /** Where reads continue once their barrier is released, so they never run on the apply thread. */
  private final java.util.concurrent.ExecutorService readers = java.util.concurrent.Executors.newFixedThreadPool(
      Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
        Thread t = new Thread(r, "cairn-read");
        t.setDaemon(true);
        return t;
      });
  /** The snapshot under way (done when none is): one at a time, set only by the apply thread. */
  private volatile CompletableFuture<Void> snapshotInFlight = CompletableFuture.completedFuture(null);
  private volatile boolean closed;
  private volatile Runnable onApplied = () -> { };
  private volatile Runnable onLeaderChange = () -> { };

  public RaftMember(long memberId, long clusterId, List<MemberRecord> initialMembers, Map<Long, URI> peers,
      Path memberDir, MvccStore store, Settings settings, ScheduledExecutorService scheduler, RandomSource random,
      LongConsumer walFsyncNanos) throws IOException {
    this.memberId = memberId;
    this.clusterId = clusterId;
    this.store = store;
    this.settings = settings;
    this.scheduler = scheduler;
    this.ids = new RequestIds(memberId, System.currentTimeMillis());
    byte[] metadata = LogBootstrap.walMetadata(memberId, clusterId);
    if (!io.cairn.storage.wal.Wal.exists(memberDir.resolve("wal")) && store.consistentIndex() > 0) {
      // bootstrapping a fresh log over a store that already applied entries would re-number history
      throw new IOException("the store holds data up to raft index " + store.consistentIndex()
          + " but the WAL in " + memberDir.resolve("wal") + " is missing: refusing to start");
    }
    this.log = DurableLog.open(memberDir.resolve("wal"), memberDir.resolve("snap"), settings.maxSnapshots(),
        metadata, initialMembers, walFsyncNanos);
    try {
      recoverStore(store, log, memberDir);
    } catch (IOException | RuntimeException e) {
      log.close();
      throw e;
    }
    long snapIndex = log.snapshotIndex();
    this.lastSnapshotIndex = snapIndex;
    this.snapDir = memberDir.resolve("snap");
    this.membership = Membership.fromSnapshot(log.memory.snapshot().getData());
    if (!membership.members().isEmpty()) {
      // after bootstrap the flags no longer say who the members are; the snapshot (then the log) does
      Map<Long, URI> fromSnapshot = new java.util.LinkedHashMap<>();
      membership.members().forEach(r -> {
        if (r.getId() != memberId && r.getPeerUrlsCount() > 0) {
          fromSnapshot.put(r.getId(), URI.create(r.getPeerUrls(0)));
        }
      });
      peers = fromSnapshot;
    }
    int electionTicks = (int) Math.max(2, settings.electionMs() / settings.heartbeatMs());
    RaftConfig config = RaftConfig.builder(memberId).electionTick(electionTicks).heartbeatTick(1)
        // raft re-delivers every entry after the snapshot; the store skips those it already holds
        .applied(snapIndex).preVote(settings.preVote()).checkQuorum(true).random(random).build();
    RawNode node = new RawNode(config, log.memory);
    RaftLoop[] raftRef = new RaftLoop[1];
    this.apply = new ApplyLoop(new RequestApplier(store), waits, snapIndex, r -> raftRef[0].post(r),
        this::applyConfChange);
    this.raft = new RaftLoop(memberId, node, log, apply, leader -> onLeaderChange.run());
    raftRef[0] = raft;
    apply.onApplied(this::afterApply);
    apply.onMemberAttributes(membership::applyAttributes);
    this.transport = new PeerTransport(clusterId, peers, raft::reportUnreachable,
            () -> store.checkpoint(snapDir.resolve("send-" + System.nanoTime())), raft::reportSnapshot);
    raft.start(transport);
    this.ticker = scheduler.scheduleAtFixedRate(raft::tick, settings.heartbeatMs(), settings.heartbeatMs(),
        TimeUnit.MILLISECONDS);
    this.deadlines = new Deadlines(settings.requestTimeout().toNanos(), System::nanoTime);
    this.deadlineSweep = scheduler.scheduleAtFixedRate(deadlines::expire, 50, 50, TimeUnit.MILLISECONDS);
  }

  /** On the apply thread: membership first (so the transport can reach a new member), then Raft. */
  private void applyConfChange(ConfChangeV2 cc, long index) {
    membership.apply(cc);
    if (transport != null) {
      transport.sync(membership.members(), memberId);
    }
    raft.applyConfChange(cc, index);
    for (var c : cc.getChangesList()) {
      CompletableFuture<List<MemberRecord>> w = confWaits.remove(c.getNodeId());
      if (w != null) {
        w.complete(membership.members());
      }
    }
    if (membership.isRemoved(memberId)) {
      LOG.error("this member ({}) was removed from the cluster; it no longer takes part", Long.toHexString(memberId));
    }
  }

  @Override
  public boolean isLearner() {
    MemberRecord self = membership.get(memberId);
    return self != null && self.getIsLearner();
  }

  /**
   * etcd publishes each member's name and client URLs through Raft once it has a leader, so every
   * member lists the same. Retried (bounded) until the applied membership shows them.
   */
  public void publishAttributes(String name, List<URI> clientUrls) {
    Thread t = new Thread(() -> {
      List<String> urls = clientUrls.stream().map(URI::toString).toList();
      for (int attempt = 0; attempt < 120 && !closed; attempt++) {
        MemberRecord self = membership.get(memberId);
        if (self != null && self.getName().equals(name) && self.getClientUrlsList().equals(urls)) {
          return;
        }
        if (raft.leader != 0 && self != null) {
          MemberRecord rec = MemberRecord.newBuilder().setId(memberId).setName(name).addAllClientUrls(urls).build();
          try {
            propose(InternalRequest.newBuilder().setMemberAttributes(rec).build())
                .get(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
          } catch (Exception e) {
            LOG.debug("publishing member attributes: {}", e.toString());
          }
        }
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
      }
    }, "cairn-publish");
    t.setDaemon(true);
    t.start();
  }

  public Membership membership() {
    return membership;
  }

  /**
   * Proposes a membership change and completes with the membership once it is applied here (or
   * fails after the request timeout).
   */
  public CompletableFuture<List<MemberRecord>> changeMembership(io.cairn.proto.raftpb.ConfChange cc) {
    CompletableFuture<List<MemberRecord>> f = new CompletableFuture<>();
    confWaits.put(cc.getNodeId(), f);
    raft.post(() -> {
      try {
        raftNodeProposeConfChange(cc);
      } catch (io.cairn.raft.RaftException e) {
        confWaits.remove(cc.getNodeId());
        f.completeExceptionally(EtcdErrors.unavailable(e.code() == io.cairn.raft.RaftException.Code.PROPOSAL_DROPPED
            ? EtcdErrors.NO_LEADER : e.getMessage()));
      }
    });
    return f.orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .exceptionallyCompose(err -> {
          confWaits.remove(cc.getNodeId());
          return CompletableFuture.failedFuture(err instanceof TimeoutException
              ? EtcdErrors.unavailable(EtcdErrors.TIMEOUT) : err);
        });
  }

  private void raftNodeProposeConfChange(io.cairn.proto.raftpb.ConfChange cc) {
    raft.proposeConfChange(cc);
  }

  /** Leader only: the match index of every peer and the leader's last index, for promote checks. */
  public CompletableFuture<io.cairn.raft.Status> raftStatus() {
    CompletableFuture<io.cairn.raft.Status> f = new CompletableFuture<>();
    raft.post(() -> f.complete(raft.status()));
    return f;
  }

  /**
   * A store that lost writes the restart snapshot holds (its directory deleted, or replaced by an older copy) is
   * replaced by that snapshot's checkpoint; the WAL after the snapshot then brings it up to date. A store that is
   * behind and has no checkpoint to come from cannot be repaired: refuse rather than serve a store with a hole.
   */
  private static void recoverStore(MvccStore store, DurableLog log, Path memberDir) throws IOException {
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
    Path copy = memberDir.resolve("store.restoring");
    Checkpoints.deleteTree(copy);
    Checkpoints.copy(checkpoint, copy);
    store.restoreFrom(copy);
    LOG.info("store restored from {}: raft index {}, revision {}", checkpoint, store.consistentIndex(),
        store.currentRevision());
  }

  /**
   * On the apply thread after a batch: wake watchers; every --snapshot-count entries start a snapshot. The
   * membership and (through the raft inbox) the configuration are taken as of {@code applied}; the store
   * checkpoint is taken later on the snapshot thread and holds at least that much, which is all a restart needs
   * (entries the checkpoint already holds are skipped by their consistent index).
   */
  private void afterApply() {
    onApplied.run();
    long applied = apply.appliedIndex();
    if (applied - lastSnapshotIndex >= settings.snapshotCount() && snapshotInFlight.isDone()) {
      lastSnapshotIndex = applied;
      CompletableFuture<Void> done = new CompletableFuture<>();
      snapshotInFlight = done;
      com.google.protobuf.ByteString members = membership.toSnapshot();
      raft.withConfState(cs -> {
        try {
          snapshotter.execute(() -> takeSnapshot(applied, cs, members, done));
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
          done.complete(null);
        }
      });
    }
  }

  /**
   * On the snapshot thread. The store is flushed first: once its memtables are in fsynced SST files it no longer
   * needs RocksDB's (unsynced) log nor the raft WAL behind {@code index}, so the WAL may be released behind the
   * snapshot (the durability argument in docs/architecture.md).
   */
  private void takeSnapshot(long index, io.cairn.proto.raftpb.ConfState cs, com.google.protobuf.ByteString members,
      CompletableFuture<Void> done) {
    try {
      long storeIndex = store.consistentIndex();
      store.flush();
      Path checkpoint = SnapshotFiles.checkpointDir(snapDir, index);
      Checkpoints.deleteTree(checkpoint);
      store.checkpoint(checkpoint);
      List<io.cairn.proto.serverpb.CheckpointFile> files = Checkpoints.seal(checkpoint);
      raft.snapshotAt(index, cs, members, checkpoint, storeIndex, files, () -> {
        try {
          snapshotter.execute(() -> {
            try {
              log.removeUnusedCheckpoints();
            } catch (IOException | RuntimeException e) {
              LOG.warn("removing old checkpoints: {}", e.toString());
            } finally {
              done.complete(null);
            }
          });
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
          done.complete(null); // removed at the next start
        }
      });
    } catch (IOException | RuntimeException e) {
      LOG.error("taking a snapshot at index {} failed; the next one is tried after more entries", index, e);
      done.complete(null);
    }
  }

  @Override
  public CompletableFuture<Message> propose(InternalRequest request) {
    // etcd refuses new proposals while the apply backlog exceeds 5000 entries, so neither the raft
    // inbox nor the apply queue grows without bound under overload
    if (raft.commitIndex - apply.appliedIndex() > MAX_APPLY_BACKLOG) {
      return CompletableFuture.failedFuture(io.grpc.Status.RESOURCE_EXHAUSTED
          .withDescription("etcdserver: too many requests").asRuntimeException());
    }
    long id = ids.next();
    long changesAtStart = raft.leaderChanges;
    CompletableFuture<Message> f = new CompletableFuture<>();
    waits.put(id, f);
    raft.propose(request.toBuilder().setId(id).build().toByteArray());
    // the timeout covers the way to the apply thread, which takes the entry out of `waits`; after that the
    // answer comes with its batch, or (physical compaction) when the history is removed, however long it takes
    deadlines.after(() -> {
      CompletableFuture<Message> pending = waits.remove(id);
      if (pending != null) {
        pending.completeExceptionally(new TimeoutException());
      }
    });
    return f
        .exceptionallyCompose(err -> {
          waits.remove(id);
          Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
              ? err.getCause() : err;
          if (cause instanceof TimeoutException) {
            // etcd tells a timeout that spanned a leader change apart from a plain one
            cause = EtcdErrors.unavailable(raft.leaderChanges != changesAtStart
                ? "etcdserver: request timed out, possibly due to previous leader failure" : EtcdErrors.TIMEOUT);
          }
          return CompletableFuture.<Message>failedFuture(cause);
        });
  }

  @Override
  public CompletableFuture<Void> readBarrier() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    raft.readIndex(f);
    return deadlines.track(f)
        .exceptionallyCompose(err -> CompletableFuture.<Void>failedFuture(
            err instanceof TimeoutException ? EtcdErrors.unavailable(EtcdErrors.TIMEOUT) : err))
        // the barrier is released on the apply thread; the read itself (a range, a lease lookup) runs here
        .thenApplyAsync(x -> x, readers);
  }

  @Override
  public void onApplied(Runnable listener) {
    this.onApplied = listener;
  }

  public void onLeaderChange(Runnable listener) {
    this.onLeaderChange = listener;
  }

  public int pendingProposals() {
    return waits.size();
  }

  /** Hands leadership to {@code target} (move-leader). */
  public void transferLeader(long target) {
    raft.transferLeader(target);
  }

  /**
   * etcd's MoveLeader: only the leader may move leadership, only to a voting member; completes once
   * the target leads (or fails after an election timeout's worth of waiting).
   */
  public CompletableFuture<Void> moveLeader(long target) {
    if (raft.leader != memberId) {
      return CompletableFuture.failedFuture(EtcdErrors.failedPrecondition("etcdserver: not leader"));
    }
    if (target == memberId) {
      return CompletableFuture.completedFuture(null);
    }
    MemberRecord transferee = membership.get(target);
    // etcd: only a voting member can take over
    if (transport == null || !transport.knows(target) || transferee == null || transferee.getIsLearner()) {
      return CompletableFuture.failedFuture(EtcdErrors.failedPrecondition(EtcdErrors.BAD_LEADER_TRANSFEREE));
    }
    raft.transferLeader(target);
    CompletableFuture<Void> done = new CompletableFuture<>();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.requestTimeout().toMillis());
    ScheduledFuture<?>[] poll = new ScheduledFuture<?>[1];
    poll[0] = scheduler.scheduleAtFixedRate(() -> {
      if (raft.leader == target) {
        done.complete(null);
      } else if (System.nanoTime() > deadline) {
        done.completeExceptionally(EtcdErrors.unavailable("etcdserver: request timed out, leader transfer took too long"));
      }
      if (done.isDone()) {
        poll[0].cancel(false);
      }
    }, 5, 5, TimeUnit.MILLISECONDS);
    return done;
  }

  /**
   * A follower's side of a snapshot: on the apply thread (the store's only writer) replace the store
   * with the leader's checkpoint, then let Raft take the MsgSnap; entries the new store already holds
   * are skipped by their consistent index when Raft replays them.
   */
  public CompletableFuture<Void> installSnapshot(io.cairn.proto.raftpb.Message msgSnap, Path checkpoint) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    apply.post(() -> {
      try {
        store.restoreFrom(checkpoint);
        membership.restore(msgSnap.getSnapshot().getData());
        if (transport != null) {
          transport.sync(membership.members(), memberId);
        }
        // applied = the snapshot's index (the store may hold more; raft replays those entries and the store skips
        // them by its consistent index), so a local snapshot is never recorded ahead of this configuration
        long snapIndex = msgSnap.getSnapshot().getMetadata().getIndex();
        apply.raiseApplied(snapIndex);
        lastSnapshotIndex = Math.max(lastSnapshotIndex, snapIndex);
        raft.post(() -> log.noteInstalledStore(store.consistentIndex()));
        LOG.info("installed a snapshot from {}: store at raft index {}, revision {}",
            Long.toHexString(msgSnap.getFrom()), store.consistentIndex(), store.currentRevision());
        raft.step(msgSnap);
        done.complete(null);
      } catch (RuntimeException e) {
        LOG.error("installing a snapshot failed", e);
        done.completeExceptionally(e);
      }
    });
    return done;
  }

  /** A Raft message from a peer's stream. */
  public void stepFromPeer(io.cairn.proto.raftpb.Message m) {
    raft.step(m);
  }

  /** The other members, for MemberList; null for a lone member. */
  public PeerTransport transport() {
    return transport;
  }

  /**
   * Graceful stop: a leader hands leadership to the most up-to-date voter first and waits (bounded)
   * until it is gone, so clients see a leader change of milliseconds rather than an election.
   */
  private void handOffLeadership() {
    if (raft.leader != memberId || membership.members().stream().filter(r -> !r.getIsLearner()).count() < 2) {
      return;
    }
    raft.transferToBestPeer();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2 * settings.electionMs());
    while (raft.leader == memberId && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    LOG.info("leadership handed off before stopping: leader is now {}", Long.toHexString(raft.leader));
  }

  @Override
  public long appliedIndex() {
    return apply.appliedIndex();
  }

  @Override
  public long committedIndex() {
    return raft.commitIndex;
  }

  @Override
  public long clusterId() {
    return clusterId;
  }

  @Override
  public long memberId() {
    return memberId;
  }

  @Override
  public long raftTerm() {
    return raft.term;
  }

  @Override
  public long leaderId() {
    return raft.leader;
  }

  @Override
  public long raftIndex() {
    return raft.commitIndex;
  }

  @Override
  public void close() {
    closed = true;
    handOffLeadership();
    ticker.cancel(false);
    deadlineSweep.cancel(false);
    try {
      // a snapshot under way is finished by the raft thread, which is still running; one cut short
      // by a crash leaves only a checkpoint no snapshot file names, removed at the next start
      snapshotInFlight.get(30, TimeUnit.SECONDS);
      snapshotter.shutdown();
      snapshotter.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
      LOG.warn("a snapshot did not finish before stopping: {}", e.toString());
    }
    snapshotter.shutdownNow();
    raft.close();
    apply.close();
    readers.shutdown();
    waits.values().forEach(f -> f.completeExceptionally(EtcdErrors.unavailable(EtcdErrors.SERVER_STOPPED)));
    if (transport != null) {
      transport.close();
    }
    try {
      log.close();
    } catch (IOException e) {
      LOG.warn("closing the WAL: {}", e.getMessage());
    }
  }
}
