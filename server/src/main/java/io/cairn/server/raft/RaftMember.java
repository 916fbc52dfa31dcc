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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A member whose writes go through Raft: a proposal is appended to the WAL, fsynced, committed and
 * applied before its caller hears back; reads wait for a ReadIndex round and the applied index.
 * Time comes from the given scheduler and election randomness from the given source, so tests and
 * simulators can drive both.
 */
public final class RaftMember implements Proposer, MemberState, io.cairn.server.cluster.MembershipProposer {
  private static final Logger LOG = LoggerFactory.getLogger(RaftMember.class);

  /** Settings taken from etcd's flags. */
  public record Settings(long heartbeatMs, long electionMs, long snapshotCount, int maxSnapshots, boolean preVote,
      long catchUpEntries, boolean initialElectionTickAdvance) {
    /** etcd's request timeout: 5 s plus two election timeouts. */
    Duration requestTimeout() {
      return Duration.ofMillis(5000 + 2 * electionMs);
    }
  }

  static final long MAX_APPLY_BACKLOG = 5000;

  /** The WAL's commit index at start: Raft re-delivers every entry up to it before anything new. */
  private final long commitAtStart;

  private final long memberId;
  private final long clusterId;
  private final MvccStore store;
  private final Settings settings;
  private final DurableLog log;
  private final ApplyLoop apply;
  private final RaftLoop raft;
  private final RequestWaits waits = new RequestWaits();
  private final RequestIds ids;
  private final PeerTransport transport;
  private final Membership membership;
  private final ConcurrentHashMap<Long, CompletableFuture<List<MemberRecord>>> confWaits = new ConcurrentHashMap<>();
  private final ScheduledExecutorService scheduler;
  private final ScheduledFuture<?> ticker;
  /** etcd's request timeout for proposals and read barriers. */
  private final Deadlines deadlines;
  private final ScheduledFuture<?> deadlineSweep;
  private final SnapshotCoordinator snapshots;
  private final LeadershipControl leadership;
  private final MemberStop stop;
  /** Where reads run: after their barrier is released (never on the apply thread), and serializable ones at once. */
  private final io.cairn.server.transport.ReadPool readers = io.cairn.server.transport.ReadPool.forThisMachine();
  private volatile boolean closed;
  /** Set once this member must stop (a fatal error, or its own removal): it answers nothing more. */
  private volatile String stopping;
  private volatile Runnable onApplied = () -> { };
  private volatile Runnable onLeaderChange = () -> { };
  private final io.cairn.server.metrics.MemberEvents events;

  public RaftMember(long memberId, long clusterId, List<MemberRecord> initialMembers, Map<Long, URI> peers,
      io.cairn.server.peer.PeerChannels peerChannels, Path memberDir, MvccStore store, Settings settings, ScheduledExecutorService scheduler, RandomSource random,
      io.cairn.server.metrics.MemberEvents events, MemberStop stop, io.cairn.server.apply.ApplyGate gate,
      io.cairn.server.apply.ApplyAuth auth, io.cairn.server.loop.Clock clock) throws IOException {
    this.memberId = memberId;
    this.events = events;
    this.clusterId = clusterId;
    this.store = store;
    this.settings = settings;
    this.scheduler = scheduler;
    this.stop = (code, reason, cause) -> {
      if (stopping == null) {
        stopping = reason;
        waits.failAll(EtcdErrors.unavailable(EtcdErrors.SERVER_STOPPED));
        stop.stop(code, reason, cause);
      }
    };
    this.ids = new RequestIds(memberId, clock.currentTimeMillis());
    byte[] metadata = LogBootstrap.walMetadata(memberId, clusterId);
    if (!io.cairn.storage.wal.Wal.exists(memberDir.resolve("wal")) && store.consistentIndex() > 0) {
      // bootstrapping a fresh log over a store that already applied entries would re-number history
      throw new IOException("the store holds data up to raft index " + store.consistentIndex()
          + " but the WAL in " + memberDir.resolve("wal") + " is missing: refusing to start");
    }
    this.log = DurableLog.open(memberDir.resolve("wal"), memberDir.resolve("snap"), settings.maxSnapshots(),
        metadata, initialMembers, events::walFsync, settings.catchUpEntries());
    try {
      StoreRecovery.recover(store, log, memberDir);
    } catch (IOException | RuntimeException e) {
      log.close();
      throw e;
    }
    long snapIndex = log.snapshotIndex();
    this.commitAtStart = log.view.hardState().getCommit();
    this.membership = Membership.fromSnapshot(log.view.snapshot().getData());
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
    RawNode node = new RawNode(config, log.view);
    RaftLoop[] raftRef = new RaftLoop[1];
    this.apply = new ApplyLoop(new RequestApplier(store, gate, auth, events), waits, snapIndex, r -> raftRef[0].post(r),
        this::applyConfChange, this.stop);
    // etcd re-sends an unanswered ReadIndex after 500 ms
    int readRetryTicks = (int) Math.max(1, 500 / settings.heartbeatMs());
    this.raft = new RaftLoop(memberId, node, log, apply, waits, readRetryTicks, this.stop, this::leaderChanged);
    raftRef[0] = raft;
    this.leadership = new LeadershipControl(memberId, raft, scheduler);
    this.snapshots = new SnapshotCoordinator(store, raft, log, membership, memberId, memberDir,
        settings.snapshotCount(), apply::appliedIndex);
    apply.onApplied(snapshots::afterApply);
    apply.onWritten(() -> onApplied.run());
    apply.onMemberAttributes(membership::applyAttributes);
    apply.onSnapshot(snapshots::install);
    this.transport = new PeerTransport(clusterId, peers, peerChannels, raft::reportUnreachable, () -> {
          long started = System.nanoTime();
          Path checkpoint = snapshots.checkpointToSend();
          events.backendSnapshot(System.nanoTime() - started);
          return checkpoint;
        }, raft::reportSnapshot, this::removedByPeer, events);
    snapshots.attach(transport);
    raft.onSnapshotNeeded(() -> apply.post(snapshots::snapshotNow));
    apply.start();
    raft.start(transport);
    this.ticker = scheduler.scheduleAtFixedRate(raft::tick, settings.heartbeatMs(), settings.heartbeatMs(),
        TimeUnit.MILLISECONDS);
    this.deadlines = new Deadlines(settings.requestTimeout().toNanos(), clock::nanoTime);
    this.deadlineSweep = scheduler.scheduleAtFixedRate(deadlines::expire, 50, 50, TimeUnit.MILLISECONDS);
    replayed().thenRun(raft::campaignIfAlone);
    if (settings.initialElectionTickAdvance() && !peers.isEmpty()) {
      ElectionTickAdvance advance =
          new ElectionTickAdvance(electionTicks, transport::connectedPeers, raft::advanceTicks);
      java.util.concurrent.atomic.AtomicReference<java.util.concurrent.ScheduledFuture<?>> task =
          new java.util.concurrent.atomic.AtomicReference<>();
      task.set(scheduler.scheduleWithFixedDelay(() -> {
        java.util.concurrent.ScheduledFuture<?> self = task.get();
        if (advance.check() && self != null) { // null only if a run beat the assignment: the next one cancels
          self.cancel(false);
        }
      }, ElectionTickAdvance.PERIOD_MS, ElectionTickAdvance.PERIOD_MS, TimeUnit.MILLISECONDS));
    }
  }

  /** On the raft thread: Raft names a new leader (0 for none). */
  private void leaderChanged(long leader) {
    leadership.leaderChanged(leader);
    onLeaderChange.run();
  }

  /** A peer refused this member's traffic because the cluster removed it. */
  private void removedByPeer() {
    stop.stop(0, EtcdErrors.MEMBER_REMOVED + " (told by a peer); the data-dir used by this member must be removed",
        null);
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
      // etcd: a member that applies its own removal stops (exit status 0) and says its data dir must go
      stop.stop(0, EtcdErrors.MEMBER_REMOVED + "; the data-dir used by this member must be removed", null);
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
    List<String> urls = clientUrls.stream().map(URI::toString).toList();
    MemberRecord rec = MemberRecord.newBuilder().setId(memberId).setName(name).addAllClientUrls(urls).build();
    publishAttempt(rec, 120);
  }

  /** One attempt every 500 ms on the scheduler (no thread of its own), until the membership shows it. */
  private void publishAttempt(MemberRecord rec, int attemptsLeft) {
    MemberRecord self = membership.get(memberId);
    if (closed || attemptsLeft == 0
        || self != null && self.getName().equals(rec.getName()) && self.getClientUrlsList().equals(rec.getClientUrlsList())) {
      return;
    }
    CompletableFuture<?> attempt = raft.leader != 0 && self != null
        ? propose(InternalRequest.newBuilder().setMemberAttributes(rec).build())
        : CompletableFuture.completedFuture(null);
    attempt.whenComplete((r, err) -> {
      if (err != null) {
        LOG.debug("publishing member attributes: {}", err.toString());
      }
      try {
        if (!closed) {
          scheduler.schedule(() -> publishAttempt(rec, attemptsLeft - 1), 500, TimeUnit.MILLISECONDS);
        }
      } catch (java.util.concurrent.RejectedExecutionException stopping) {
        // the member is stopping
      }
    });
  }

  @Override
  public Membership membership() {
    return membership;
  }

  /**
   * Proposes a membership change and completes with the membership once it is applied here (or
   * fails after the request timeout).
   */
  @Override
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

  /**
   * Runs {@code check} on the raft thread every {@code ticks} ticks (heartbeat intervals) while this member leads, with
   * Raft's status (every member's progress). It must return at once: anything that may wait goes elsewhere.
   */
  public void everyLeaderTicks(int ticks, java.util.function.Consumer<io.cairn.raft.Status> check) {
    raft.everyLeaderTicks(ticks, check);
  }

  /** Leader only: the match index of every peer and the leader's last index, for promote checks. */
  @Override
  public CompletableFuture<io.cairn.raft.Status> raftStatus() {
    CompletableFuture<io.cairn.raft.Status> f = new CompletableFuture<>();
    raft.post(() -> f.complete(raft.status()));
    return f;
  }



  @Override
  public CompletableFuture<Message> propose(InternalRequest request) {
    return propose(request, false);
  }

  @Override
  public CompletableFuture<Message> proposeAsLeader(InternalRequest request) {
    return propose(request, true);
  }

  private CompletableFuture<Message> propose(InternalRequest request, boolean leaderOnly) {
    if (stopping != null) {
      return CompletableFuture.failedFuture(EtcdErrors.unavailable(EtcdErrors.SERVER_STOPPED));
    }
    // etcd refuses new proposals while the apply backlog exceeds 5000 entries, so neither the raft
    // inbox nor the apply queue grows without bound under overload
    if (raft.commitIndex - apply.appliedIndex() > MAX_APPLY_BACKLOG) {
      return CompletableFuture.failedFuture(io.grpc.Status.RESOURCE_EXHAUSTED
          .withDescription(EtcdErrors.TOO_MANY_REQUESTS).asRuntimeException());
    }
    long id = ids.next();
    long changesAtStart = raft.leaderChanges;
    CompletableFuture<Message> f = waits.register(id);
    raft.propose(id, request.toBuilder().setId(id).build().toByteArray(), leaderOnly);
    // the timeout covers the way to the apply thread, which takes the entry out of `waits`; after that the
    // answer comes with its batch, or (physical compaction) when the history is removed, however long it takes
    deadlines.after(() -> waits.fail(id, TimeoutException::new));
    return f
        .exceptionallyCompose(err -> {
          Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
              ? err.getCause() : err;
          if (cause instanceof TimeoutException || io.grpc.Status.fromThrowable(cause).getCode()
              == io.grpc.Status.Code.UNAVAILABLE) {
            events.proposalFailed(); // timed out, dropped, the leader changed, stopping: not a refusal by the store
          }
          if (cause instanceof TimeoutException) {
            // etcd tells a timeout that spanned a leader change apart from a plain one
            cause = EtcdErrors.unavailable(raft.leaderChanges != changesAtStart
                ? EtcdErrors.TIMEOUT_LEADER_FAIL : EtcdErrors.TIMEOUT);
          }
          return CompletableFuture.<Message>failedFuture(cause);
        });
  }

  @Override
  public CompletableFuture<Void> readBarrier() {
    if (stopping != null) {
      return CompletableFuture.failedFuture(EtcdErrors.unavailable(EtcdErrors.SERVER_STOPPED));
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    raft.readIndex(f);
    // the barrier is released on the apply thread; the read itself (a range, a lease lookup) runs on a reader
    return ReaderHandOff.onReader(deadlines.track(f)
        .exceptionallyCompose(err -> CompletableFuture.<Void>failedFuture(
            err instanceof TimeoutException ? EtcdErrors.unavailable(EtcdErrors.TIMEOUT) : err)), readers);
  }

  /**
   * Completes once the entries the WAL held as committed at start are applied again. Until then the membership
   * replayed from them may be partial (before the first snapshot it comes from the log alone), so whatever asks
   * every peer at start, like the initial corruption check, waits for this first.
   */
  public CompletableFuture<Void> replayed() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    apply.whenApplied(commitAtStart, f);
    return f;
  }

  @Override
  public CompletableFuture<Void> applyWait() {
    if (stopping != null) {
      return CompletableFuture.failedFuture(EtcdErrors.unavailable(EtcdErrors.SERVER_STOPPED));
    }
    long committed = raft.commitIndex;
    if (apply.appliedIndex() >= committed) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    apply.whenApplied(committed, f);
    return deadlines.track(f).exceptionallyCompose(err -> CompletableFuture.<Void>failedFuture(
        err instanceof TimeoutException ? EtcdErrors.unavailable(EtcdErrors.TIMEOUT_WAIT_APPLIED) : err));
  }

  /** The reader threads, for reads that need no barrier (serializable ones). */
  public java.util.concurrent.Executor readers() {
    return readers;
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
      return CompletableFuture.failedFuture(EtcdErrors.failedPrecondition(EtcdErrors.NOT_LEADER));
    }
    if (target == memberId) {
      return CompletableFuture.completedFuture(null);
    }
    MemberRecord transferee = membership.get(target);
    // etcd: only a voting member can take over
    if (transport == null || !transport.knows(target) || transferee == null || transferee.getIsLearner()) {
      return CompletableFuture.failedFuture(EtcdErrors.failedPrecondition(EtcdErrors.BAD_LEADER_TRANSFEREE));
    }
    return leadership.moveTo(target, settings.requestTimeout().toMillis());
  }

  /**
   * A follower's side of a snapshot: the leader's checkpoint arrived whole in {@code checkpoint}. It is installed
   * only if Raft accepts the MsgSnap (see {@link SnapshotCoordinator}); completes once Raft took or refused it.
   */
  public CompletableFuture<Void> receiveSnapshot(io.cairn.proto.raftpb.Message msgSnap, Path checkpoint) {
    return snapshots.receive(msgSnap, checkpoint);
  }

  /** Whether {@code id} was removed from the cluster (peers refuse its traffic). */
  public boolean isRemoved(long id) {
    return membership.isRemoved(id);
  }

  /** A Raft message from a peer's stream. */
  public void stepFromPeer(io.cairn.proto.raftpb.Message m) {
    raft.step(m);
  }

  /** The other members, for MemberList; null for a lone member. */
  public PeerTransport transport() {
    return transport;
  }

  /** Graceful stop: a leader with another voter hands leadership over first (bounded). */
  private void handOffLeadership() {
    if (membership.members().stream().filter(r -> !r.getIsLearner()).count() >= 2) {
      leadership.handOff(2 * settings.electionMs());
    }
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
    return stopping != null ? 0 : raft.leader;
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
    snapshots.close();
    raft.close();
    apply.close();
    readers.close();
    waits.failAll(EtcdErrors.unavailable(EtcdErrors.SERVER_STOPPED));
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
