package io.cairn.raft;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.ConfChange;
import io.cairn.proto.raftpb.ConfChangeV2;
import io.cairn.proto.raftpb.ConfState;
import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.raftpb.HardState;
import io.cairn.proto.raftpb.Message;
import io.cairn.proto.raftpb.MessageType;
import io.cairn.proto.raftpb.Snapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The public, single-threaded facade of the raft core. Feed it inputs ({@link #tick()}, {@link
 * #step}, proposals, reads, configuration changes), then repeatedly take a {@link #ready()},
 * process it as its documentation says, and {@link #advance()}. No threads, clocks or I/O.
 */
public final class RawNode {
  private final Raft raft;
  private SoftState prevSoft;
  private HardState prevHard;
  /** The Ready handed out and not yet advanced, or null. */
  private Ready pending;
  private List<Message> stepsOnAdvance = List.of();

  public RawNode(RaftConfig config, RaftStorage storage) {
    this.raft = new Raft(config, storage);
    this.prevSoft = raft.softState();
    this.prevHard = raft.hardState();
  }

  /** Advances logical time by one tick (elections, heartbeats, check-quorum). */
  public void tick() {
    raft.tick();
  }

  /** Starts an election now (pre-vote first, when enabled). */
  public void campaign() {
    raft.step(Message.newBuilder().setType(MessageType.MSG_HUP).setFrom(raft.id).build());
  }

  /** Proposes a command; throws PROPOSAL_DROPPED when it cannot be accepted now. */
  public void propose(ByteString data) {
    raft.step(Message.newBuilder().setType(MessageType.MSG_PROP).setFrom(raft.id)
        .addEntries(Entry.newBuilder().setData(data)).build());
  }

  /** Proposes several commands at once; they are appended and replicated as one batch. */
  public void propose(List<ByteString> batch) {
    Message.Builder m = Message.newBuilder().setType(MessageType.MSG_PROP).setFrom(raft.id);
    for (ByteString data : batch) {
      m.addEntries(Entry.newBuilder().setData(data));
    }
    raft.step(m.build());
  }

  public void proposeConfChange(ConfChange cc) {
    proposeEntry(Entry.newBuilder().setType(Entry.Type.CONF_CHANGE).setData(cc.toByteString())
        .build());
  }

  public void proposeConfChange(ConfChangeV2 cc) {
    proposeEntry(Entry.newBuilder().setType(Entry.Type.CONF_CHANGE_V2)
        .setData(cc.toByteString()).build());
  }

  private void proposeEntry(Entry e) {
    raft.step(Message.newBuilder().setType(MessageType.MSG_PROP).setFrom(raft.id).addEntries(e)
        .build());
  }

  /** Applies a committed configuration change; returns the new configuration. */
  public ConfState applyConfChange(ConfChange cc) {
    return raft.applyConfChange(Raft.toV2(cc));
  }

  public ConfState applyConfChange(ConfChangeV2 cc) {
    return raft.applyConfChange(cc);
  }

  /** Delivers a message from a peer. */
  public void step(Message m) {
    switch (m.getType()) {
      case MSG_HUP, MSG_BEAT, MSG_UNREACHABLE, MSG_SNAP_STATUS, MSG_CHECK_QUORUM ->
          throw new RaftException(RaftException.Code.STEP_LOCAL_MSG, m.getType().name());
      default -> { }
    }
    if (isResponse(m.getType()) && raft.trk.get(m.getFrom()) == null) {
      throw new RaftException(RaftException.Code.STEP_PEER_NOT_FOUND, "from " + m.getFrom());
    }
    raft.step(m);
  }

  private static boolean isResponse(MessageType t) {
    return t == MessageType.MSG_APP_RESP || t == MessageType.MSG_VOTE_RESP
        || t == MessageType.MSG_HEARTBEAT_RESP || t == MessageType.MSG_UNREACHABLE
        || t == MessageType.MSG_PRE_VOTE_RESP;
  }

  /**
   * Requests a linearizable read. The answer arrives as a {@link ReadState} with the same
   * context in a later Ready (possibly never, e.g. if leadership is lost: retry on timeout).
   */
  public void readIndex(ByteString requestCtx) {
    raft.step(Message.newBuilder().setType(MessageType.MSG_READ_INDEX).setFrom(raft.id)
        .addEntries(Entry.newBuilder().setData(requestCtx)).build());
  }

  /** Asks the leader to hand leadership to {@code transferee}. */
  public void transferLeader(long transferee) {
    raft.step(Message.newBuilder().setType(MessageType.MSG_TRANSFER_LEADER).setFrom(transferee)
        .build());
  }

  public void reportUnreachable(long id) {
    raft.step(Message.newBuilder().setType(MessageType.MSG_UNREACHABLE).setFrom(id).build());
  }

  public void reportSnapshot(long id, SnapshotStatus status) {
    raft.step(Message.newBuilder().setType(MessageType.MSG_SNAP_STATUS).setFrom(id)
        .setReject(status == SnapshotStatus.FAILURE).build());
  }

  /** Whether {@link #ready()} would return something to do. */
  public boolean hasReady() {
    if (pending != null) {
      return false;
    }
    if (!raft.softState().equals(prevSoft)) {
      return true;
    }
    HardState hs = raft.hardState();
    if (!hs.equals(HardState.getDefaultInstance()) && !hs.equals(prevHard)) {
      return true;
    }
    return raft.log.hasNextUnstableSnapshot() || !raft.msgs.isEmpty()
        || !raft.msgsAfterAppend.isEmpty() || raft.log.hasNextUnstableEnts()
        || raft.log.hasNextCommittedEnts(true) || !raft.readStates.isEmpty();
  }

  /** Returns the current batch of work; {@link #advance()} must be called before the next. */
  public Ready ready() {
    if (pending != null) {
      throw new RaftException(RaftException.Code.ILLEGAL_STATE, "ready() before advance()");
    }
    SoftState ss = raft.softState();
    HardState hs = raft.hardState();
    List<Entry> ents = raft.log.nextUnstableEnts();
    Snapshot snap = raft.log.nextUnstableSnapshot();
    List<Entry> committed = raft.log.nextCommittedEnts(true);
    List<Message> after = new ArrayList<>();
    List<Message> self = new ArrayList<>();
    for (Message m : raft.msgsAfterAppend) {
      (m.getTo() == raft.id ? self : after).add(m);
    }
    boolean hsChanged = !hs.equals(prevHard) && !hs.equals(HardState.getDefaultInstance());
    boolean mustSync = !ents.isEmpty() || snap != null
        || hs.getTerm() != prevHard.getTerm() || hs.getVote() != prevHard.getVote();
    Ready rd = new Ready(ss.equals(prevSoft) ? null : ss, hsChanged ? hs : null, ents, snap,
        committed, raft.msgs, after, raft.readStates, mustSync);

    // Accept: everything handed out is now "in progress".
    prevSoft = ss;
    if (hsChanged) {
      prevHard = hs;
    }
    raft.msgs.clear();
    raft.msgsAfterAppend.clear();
    raft.readStates.clear();
    raft.log.acceptUnstable();
    if (!committed.isEmpty()) {
      raft.log.acceptApplying(committed.get(committed.size() - 1).getIndex(),
          Entries.size(committed));
    }
    stepsOnAdvance = self;
    pending = rd;
    return rd;
  }

  /**
   * Acknowledges the last Ready: its entries, hard state and snapshot are durable, its committed
   * entries applied. Delivers the self-addressed acks and votes that waited for the persist.
   */
  public void advance() {
    Ready rd = pending;
    if (rd == null) {
      throw new RaftException(RaftException.Code.ILLEGAL_STATE, "advance() without ready()");
    }
    pending = null;
    List<Message> steps = stepsOnAdvance;
    stepsOnAdvance = List.of();
    if (!rd.entries().isEmpty()) {
      Entry last = rd.entries().get(rd.entries().size() - 1);
      raft.log.stableTo(last.getIndex(), last.getTerm());
    }
    if (rd.snapshot() != null) {
      long si = rd.snapshot().getMetadata().getIndex();
      raft.log.stableSnapTo(si);
      // The application installed the snapshot: its state is applied up to the snapshot index.
      raft.appliedTo(si, 0);
    }
    for (Message m : steps) {
      raft.step(m);
    }
    if (!rd.committedEntries().isEmpty()) {
      List<Entry> c = rd.committedEntries();
      raft.appliedTo(c.get(c.size() - 1).getIndex(), Entries.size(c));
    }
  }

  public Status status() {
    Map<Long, Status.PeerProgress> prs = new LinkedHashMap<>();
    if (raft.state == StateRole.LEADER) {
      raft.trk.progress.forEach((id, pr) -> prs.put(id, new Status.PeerProgress(pr.match,
          pr.next, pr.state, pr.isLearner, pr.recentActive)));
    }
    return new Status(raft.id, raft.hardState(), raft.softState(), raft.log.applied,
        raft.leadTransferee, raft.trk.config.toConfState(), prs);
  }

  /** The core, for tests in this package. */
  Raft raft() {
    return raft;
  }
}
