package io.cairn.server.raft;

import io.cairn.proto.raftpb.ConfChangeV2;
import io.cairn.proto.raftpb.ConfState;
import io.cairn.proto.raftpb.HardState;
import io.cairn.proto.raftpb.Message;
import io.cairn.raft.RaftException;
import io.cairn.raft.RawNode;
import io.cairn.raft.ReadState;
import io.cairn.raft.Ready;
import io.cairn.raft.SoftState;
import io.cairn.raft.StateRole;
import io.cairn.server.api.EtcdErrors;
import io.cairn.server.loop.EventLoop;
import io.cairn.server.peer.PeerTransport;
import io.cairn.storage.failpoint.Failpoints;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The raft thread: the only owner of the {@link RawNode} and the {@link DurableLog}. It takes ticks,
 * proposals, read requests and configuration changes from its inbox, and for every Ready persists
 * (one WAL write, one fsync), sends, hands committed entries to the apply thread and advances. No
 * lock is held anywhere on this path; other threads read its published state through volatiles.
 *
 * <p>A snapshot from the leader is installed only once Raft has accepted it: the received checkpoint waits here
 * while its MsgSnap is stepped, and only a Ready carrying that snapshot persists it and hands it to the apply thread
 * (etcd's order). A snapshot Raft refuses (an old term, already committed past it) is deleted unused.
 *
 * <p>Any failure here (a WAL write that failed, an invariant broken) ends the process through {@link MemberStop}:
 * a member that cannot persist must not go on answering.
 */
final class RaftLoop implements AutoCloseable, EventLoop.Owner<Runnable> {
  private static final Logger LOG = LoggerFactory.getLogger(RaftLoop.class);

  /** Proposals held while no leader is known, at most; etcd's apply backlog bound is of the same order. */
  static final int MAX_WAITING_FOR_LEADER = 1024;

  private final long id;
  private final RawNode node;
  private final DurableLog log;
  private final ApplyLoop apply;
  private final Listener listener;
  private final RequestWaits waits;
  private final MemberStop stop;
  /** Asks for a snapshot of everything applied (set before start). */
  private volatile Runnable snapshotNeeded = () -> { };
  /** Null for a lone member; set before start. */
  private volatile PeerTransport transport;
  private final EventLoop<Runnable> inbox;
  private final WaitingProposals waitingForLeader;
  /** Proposals taken during the current drain of the inbox, stepped together after it. */
  private final ProposalBatch batch = new ProposalBatch();
  private final ReadRounds reads;
  /**
   * Snapshots received whose MsgSnaps were stepped in this drain of the inbox, by index: streams from a former and a
   * current leader can finish together, and the Ready then carries the one Raft took, whichever it was.
   */
  private final Map<Long, SnapshotOffer> offers = new java.util.LinkedHashMap<>();
  private ConfState confState;
  private final RaftTransitions transitions;
  /** Run on this thread every {@link #leaderCheckTicks} ticks while this member leads; null for none. */
  private volatile java.util.function.Consumer<io.cairn.raft.Status> leaderCheck;
  private volatile int leaderCheckTicks = 1;
  /** Ticks since this member last ran the leader check (or became leader); raft thread only. */
  private int ticksLeading;

  private static final String LEADER_CHANGED = EtcdErrors.LEADER_CHANGED;
  private static final String TOO_MANY_REQUESTS = EtcdErrors.TOO_MANY_REQUESTS;

  // published for other threads
  /** Counts leader changes; a proposal outliving one times out with etcd's "previous leader" message. */
  volatile long leaderChanges;
  volatile long term;
  volatile long leader;
  volatile long commitIndex;

  /** Events other parts of the member care about. */
  interface Listener {
    void leaderChanged(long newLeader);
  }

  private record SnapshotOffer(Message msgSnap, ReceivedCheckpoint checkpoint, CompletableFuture<Void> done) {
    long index() {
      return msgSnap.getSnapshot().getMetadata().getIndex();
    }

    void discard() {
      try {
        Checkpoints.deleteTree(checkpoint.dir());
      } catch (java.io.IOException e) {
        LOG.warn("removing an unused snapshot checkpoint: {}", e.toString()); // removed at the next start
      }
      done.complete(null);
    }
  }

  /** {@code readRetryTicks}: ticks after which an unanswered ReadIndex round is sent again. */
  RaftLoop(long id, RawNode node, DurableLog log, ApplyLoop apply, RequestWaits waits, int readRetryTicks,
      MemberStop stop, Listener listener) {
    this.id = id;
    this.transitions = new RaftTransitions(id);
    this.node = node;
    this.log = log;
    this.apply = apply;
    this.waits = waits;
    this.stop = stop;
    this.listener = listener;
    this.waitingForLeader = new WaitingProposals(MAX_WAITING_FOR_LEADER, waits::isWaiting);
    this.reads = new ReadRounds(id, readRetryTicks);
    HardState hs = log.view.hardState();
    this.term = hs.getTerm();
    this.commitIndex = hs.getCommit();
    this.confState = log.view.snapshot().getMetadata().getConfState();
    this.inbox = new EventLoop<>("cairn-raft", this);
  }

  void onSnapshotNeeded(Runnable r) {
    snapshotNeeded = r;
  }

  void start(PeerTransport transport) {
    this.transport = transport;
    inbox.start();
  }

  /** From a peer's stream: a Raft message for this member. */
  void step(Message m) {
    inbox.post(() -> stepNow(m));
  }

  private void stepNow(Message m) {
    try {
      node.step(m);
    } catch (RaftException e) {
      LOG.debug("ignoring message {} from {}: {}", m.getType(), Long.toHexString(m.getFrom()), e.getMessage());
    }
  }

  /**
   * From the peer service: a snapshot's MsgSnap with its received, sealed checkpoint. {@code done} completes once Raft
   * has taken or refused it (the checkpoint is then persisted with the snapshot, or deleted).
   */
  void offerSnapshot(Message msgSnap, ReceivedCheckpoint checkpoint, CompletableFuture<Void> done) {
    inbox.post(() -> {
      SnapshotOffer previous = offers.put(msgSnap.getSnapshot().getMetadata().getIndex(),
          new SnapshotOffer(msgSnap, checkpoint, done));
      if (previous != null) {
        previous.discard(); // the same snapshot twice: the newer stream's copy is kept
      }
      stepNow(msgSnap);
    });
  }

  void reportUnreachable(long peer) {
    inbox.post(() -> node.reportUnreachable(peer));
  }

  void reportSnapshot(long peer, boolean ok) {
    inbox.post(() -> node.reportSnapshot(peer,
        ok ? io.cairn.raft.SnapshotStatus.FINISH : io.cairn.raft.SnapshotStatus.FAILURE));
  }

  /** Hands leadership to the most up-to-date other voter, if this member leads; returns at once. */
  void transferToBestPeer() {
    inbox.post(() -> {
      io.cairn.raft.Status st = node.status();
      if (st.softState().role() != StateRole.LEADER) {
        return;
      }
      long best = 0;
      long bestMatch = -1;
      for (var e : st.progress().entrySet()) {
        if (e.getKey() != id && !e.getValue().learner() && e.getValue().match() > bestMatch) {
          best = e.getKey();
          bestMatch = e.getValue().match();
        }
      }
      if (best != 0) {
        node.transferLeader(best);
      }
    });
  }

  void post(Runnable r) {
    inbox.post(r);
  }

  /**
   * Moves the election clock forward by {@code ticks} (etcd's initial election tick advance), unless a leader is
   * known: then there is nothing to hurry, and ticks would only bring an election against it closer.
   */
  void advanceTicks(int ticks) {
    inbox.post(() -> {
      if (leader != 0) {
        return;
      }
      for (int i = 0; i < ticks; i++) {
        node.tick();
      }
    });
  }

  void tick() {
    inbox.post(() -> {
      node.tick();
      if (leader != 0) {
        reads.tick(node::readIndex);
      }
      waitingForLeader.dropAbandoned();
      leaderTick();
    });
  }

  /**
   * {@code check} gets this node's status (with every member's progress) on this thread, once every {@code ticks}
   * ticks while this member leads: the leader's periodic duties driven by Raft's own tick, with no clock or thread of
   * their own. It must return quickly and must not wait on this thread.
   */
  void everyLeaderTicks(int ticks, java.util.function.Consumer<io.cairn.raft.Status> check) {
    leaderCheckTicks = Math.max(1, ticks);
    leaderCheck = check;
  }

  private void leaderTick() {
    java.util.function.Consumer<io.cairn.raft.Status> check = leaderCheck;
    if (check == null || leader != id) {
      ticksLeading = 0;
      return;
    }
    if (++ticksLeading < leaderCheckTicks) {
      return;
    }
    ticksLeading = 0;
    try {
      check.accept(node.status());
    } catch (RuntimeException e) {
      // a duty's failure is its own, not the log's: the raft thread goes on
      LOG.error("a leader check failed", e);
    }
  }

  /**
   * Proposes request {@code id} (its caller waits in {@link RequestWaits}). A {@code leaderOnly} proposal (the
   * lessor's revocations and checkpoints) is made only while this member leads: one a former leader queued must not
   * revoke a lease that clients now renew on the new leader.
   */
  void propose(long requestId, byte[] data, boolean leaderOnly) {
    inbox.post(() -> proposeNow(new WaitingProposals.Proposal(requestId, data), leaderOnly));
  }

  void readIndex(CompletableFuture<Void> f) {
    inbox.post(() -> reads.queue(f));
  }

  /** On the raft thread only (inside a posted task). */
  void proposeConfChange(io.cairn.proto.raftpb.ConfChange cc) {
    node.proposeConfChange(cc);
  }

  /** On the raft thread only (inside a posted task). */
  io.cairn.raft.Status status() {
    return node.status();
  }

  void transferLeader(long to) {
    inbox.post(() -> node.transferLeader(to));
  }

  /** From the apply thread: a committed configuration change, applied to the node here. */
  void applyConfChange(ConfChangeV2 cc, long index) {
    inbox.post(() -> {
      confState = node.applyConfChange(cc);
      // only once every committed entry is applied: bootstrap entries are applied one by one, and after the first
      // of several the configuration would wrongly hold just one voter
      if (index >= commitIndex) {
        campaignIfLoneVoter();
      }
    });
  }

  /**
   * From the apply thread, once the entries committed at start are applied again: a restarted lone voter campaigns
   * (see {@link #campaignIfLoneVoter}). Its configuration came from its snapshot or from replayed entries, neither of
   * which reaches {@link #applyConfChange} with the log's commit index.
   */
  void campaignIfAlone() {
    inbox.post(this::campaignIfLoneVoter);
  }

  /**
   * A lone voter need not sit out an election timeout: nobody else can vote or lead. etcd fast-forwards a
   * single-member cluster's election clock at start likewise ({@code adjustTicks}), to one tick short.
   */
  private void campaignIfLoneVoter() {
    if (leader == 0 && confState.getVotersCount() == 1 && confState.getVoters(0) == id
        && confState.getVotersOutgoingCount() == 0) {
      node.campaign();
    }
  }

  /**
   * From the apply thread: {@code then} gets the configuration as of everything applied so far (configuration
   * changes reach this thread through the same inbox, in order).
   */
  void withConfState(java.util.function.Consumer<ConfState> then) {
    inbox.post(() -> then.accept(confState));
  }

  /**
   * Records a snapshot at {@code index} with configuration {@code cs}; the store checkpoint is on disk and the
   * store durable through {@code index}, so the log behind it may go. {@code done} runs afterwards, whatever
   * happened.
   */
  void snapshotAt(long index, ConfState cs, com.google.protobuf.ByteString membership, java.nio.file.Path checkpoint,
      long storeIndex, List<io.cairn.proto.serverpb.CheckpointFile> files, Runnable done) {
    inbox.post(() -> {
      try {
        log.snapshotAt(index, cs, membership, checkpoint, storeIndex, files);
        LOG.info("snapshot at index {} (store checkpoint {}); log compacted", index, checkpoint.getFileName());
      } catch (Exception e) {
        LOG.error("snapshot at index {} failed", index, e);
      } finally {
        done.run();
      }
    });
  }

  /** Takes a proposal for this turn's batch, or holds or fails it when there is no leader or it needs this one. */
  private void proposeNow(WaitingProposals.Proposal p, boolean leaderOnly) {
    if (!waits.isWaiting(p.id())) {
      return; // timed out on its way here: its caller was told it failed
    }
    if (leaderOnly && leader != id) {
      waits.fail(p.id(), () -> EtcdErrors.unavailable(LEADER_CHANGED));
      return;
    }
    if (leader == 0) {
      hold(p);
      return;
    }
    batch.add(p, leaderOnly);
    if (batch.full()) {
      stepProposals();
    }
  }

  /**
   * Steps the batch as one MsgProp. Leadership may have changed since a proposal was taken (a peer's message later in
   * the same drain): leader-only ones are then failed rather than forwarded to the new leader.
   */
  private void stepProposals() {
    if (batch.isEmpty()) {
      return; // most turns (ticks, peers' messages, reads) bring none
    }
    List<ProposalBatch.Taken> taken = new java.util.ArrayList<>();
    for (ProposalBatch.Taken t : batch.takeAll()) {
      if (t.leaderOnly() && leader != id) {
        waits.fail(t.proposal().id(), () -> EtcdErrors.unavailable(LEADER_CHANGED));
      } else {
        taken.add(t);
      }
    }
    if (taken.isEmpty()) {
      return;
    }
    try {
      node.propose(ProposalBatch.data(taken));
    } catch (RaftException e) {
      if (e.code() != RaftException.Code.PROPOSAL_DROPPED) {
        throw e;
      }
      // no leader, or a transfer under way: keep them until a leader is known again
      for (ProposalBatch.Taken t : taken) {
        if (t.leaderOnly()) {
          waits.fail(t.proposal().id(), () -> EtcdErrors.unavailable(LEADER_CHANGED));
        } else {
          hold(t.proposal());
        }
      }
    }
  }

  private void hold(WaitingProposals.Proposal p) {
    if (!waitingForLeader.offer(p)) {
      waits.fail(p.id(),
          () -> io.grpc.Status.RESOURCE_EXHAUSTED.withDescription(TOO_MANY_REQUESTS).asRuntimeException());
    }
  }

  /** The loop's turns run on one thread, or a test's (see {@link EventLoop#runOnce}). */
  EventLoop<Runnable> loop() {
    return inbox;
  }

  @Override
  public void handle(Runnable command) {
    command.run();
  }

  /**
   * After each drain of the inbox: the proposals it brought (after those held for a leader) as one batch, read rounds,
   * then every Ready. Waits at most 50 ms.
   */
  @Override
  public long step(boolean handled) throws Exception {
    if (leader != 0 && !waitingForLeader.isEmpty()) {
      List<ProposalBatch.Taken> fresh = batch.takeAll();
      waitingForLeader.drain().forEach(p -> proposeNow(p, false));
      fresh.forEach(t -> proposeNow(t.proposal(), t.leaderOnly()));
    }
    stepProposals();
    if (leader != 0) {
      reads.issue(node::readIndex);
    }
    while (node.hasReady()) {
      handle(node.ready());
    }
    for (SnapshotOffer refused : offers.values()) {
      // stepped, and Raft did not take it (an old term, or already committed past it)
      LOG.info("raft did not accept the snapshot at index {} from {}; discarding it", refused.index(),
          Long.toHexString(refused.msgSnap().getFrom()));
      refused.discard();
    }
    offers.clear();
    return TimeUnit.MILLISECONDS.toNanos(50);
  }

  /** The WAL refuses writes after an I/O error (a full disk among them): a member that cannot persist must stop. */
  @Override
  public void failed(Throwable cause) {
    reads.failAll(EtcdErrors.unavailable(EtcdErrors.SERVER_STOPPED));
    stop.stop(1, "the raft loop failed: " + cause, cause);
  }

  private void handle(Ready rd) throws Exception {
    SoftState ss = rd.softState();
    transitions.observe(ss, rd.hardState() != null ? rd.hardState().getTerm() : term);
    if (ss != null) {
      long newLeader = ss.leader();
      if (newLeader != leader) {
        boolean lostLeadership = leader == id;
        leader = newLeader;
        try {
          listener.leaderChanged(newLeader);
        } catch (RuntimeException e) {
          // a listener's failure is its own, not the log's: the raft thread goes on
          LOG.error("a leader-change listener failed", e);
        }
        // etcd fails linearizable reads caught in a leader change with "leader changed" (clients retry them); a
        // read issued to a lost leadership would never be answered
        reads.failIssued(EtcdErrors.unavailable(LEADER_CHANGED));
        leaderChanges++;
        PeerTransport t = transport;
        if (lostLeadership && t != null) {
          // a snapshot this member sent as leader must not be installed once another member leads
          t.cancelSnapshots();
        }
      }
    }
    PeerTransport t = transport;
    if (t != null) {
      if (leader == id) {
        Failpoints.hit(Failpoints.Point.raftBeforeLeaderSend);
      }
      t.send(withoutUnusableSnapshots(rd.messages())); // may leave before the persist
    }
    Failpoints.hit(Failpoints.Point.raftBeforeSave);
    if (rd.snapshot() != null) {
      persistWithSnapshot(rd);
    } else {
      log.persist(rd);
    }
    Failpoints.hit(Failpoints.Point.raftAfterSave);
    if (rd.hardState() != null) {
      term = rd.hardState().getTerm();
      commitIndex = rd.hardState().getCommit();
    }
    if (t != null) {
      t.send(rd.messagesAfterPersist()); // votes and append acks: only once durable
    }
    if (!rd.committedEntries().isEmpty()) {
      apply.submit(rd.committedEntries());
    }
    for (ReadState rs : rd.readStates()) {
      List<CompletableFuture<Void>> waiting = reads.answered(rs.requestCtx());
      if (waiting != null) {
        waiting.forEach(f -> apply.whenApplied(rs.index(), f));
      }
    }
    node.advance();
  }

  /**
   * A snapshot whose configuration does not hold its recipient (a member added after the newest snapshot) would be
   * refused by the recipient's Raft, as etcd's refuses it. Such a message is not sent: Raft hears the snapshot
   * failed (and retries later), and a fresh snapshot, holding the current configuration, is asked for.
   */
  private List<Message> withoutUnusableSnapshots(List<Message> messages) {
    List<Message> out = null;
    for (int i = 0; i < messages.size(); i++) {
      Message m = messages.get(i);
      if (m.getType() == io.cairn.proto.raftpb.MessageType.MSG_SNAP && !holds(m.getSnapshot().getMetadata()
          .getConfState(), m.getTo())) {
        if (out == null) {
          out = new java.util.ArrayList<>(messages.subList(0, i));
        }
        LOG.info("the newest snapshot (index {}) predates member {}: taking a new one to send",
            m.getSnapshot().getMetadata().getIndex(), Long.toHexString(m.getTo()));
        reportSnapshot(m.getTo(), false); // after this Ready is handled
        snapshotNeeded.run();
      } else if (out != null) {
        out.add(m);
      }
    }
    return out == null ? messages : out;
  }

  private static boolean holds(ConfState cs, long member) {
    return cs.getVotersList().contains(member) || cs.getLearnersList().contains(member)
        || cs.getVotersOutgoingList().contains(member) || cs.getLearnersNextList().contains(member);
  }

  /**
   * Raft accepted a snapshot: it must be one just offered (Raft takes snapshots only from MsgSnap). Its
   * checkpoint moves next to this member's snapshots, is persisted with the snapshot, and only then is the store
   * replaced, on the apply thread after every entry before it.
   */
  private void persistWithSnapshot(Ready rd) throws Exception {
    long index = rd.snapshot().getMetadata().getIndex();
    SnapshotOffer accepted = offers.remove(index);
    if (accepted == null) {
      throw new IllegalStateException("raft accepted a snapshot at index " + index + " that no received checkpoint"
          + " holds");
    }
    ReceivedCheckpoint kept = log.adopt(accepted.checkpoint(), index);
    log.persist(rd, kept);
    confState = rd.snapshot().getMetadata().getConfState();
    apply.install(rd.snapshot(), kept.dir(), accepted.msgSnap().getFrom());
    accepted.done().complete(null);
  }

  boolean isLeader() {
    return leader == id;
  }

  @Override
  public void close() {
    inbox.close();
  }
}
