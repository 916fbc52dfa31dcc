package io.cairn.raft;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.ConfChangeV2;
import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.raftpb.Message;
import io.cairn.proto.raftpb.MessageType;
import io.cairn.proto.raftpb.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Message handling while leader: proposals, replication and flow control, commit, heartbeats,
 * ReadIndex, leadership transfer.
 *
 * <p>Invariants: a leader only appends to its log (never truncates it); it commits by counting
 * replicas only entries of its own term (§5.4.2); it sends at most one probe per heartbeat to a
 * PROBE follower and at most the in-flight window to a REPLICATE follower.
 */
final class LeaderStep {
  private final Raft r;

  LeaderStep(Raft r) {
    this.r = r;
  }

  void step(Message m) {
    switch (m.getType()) {
      case MSG_BEAT -> {
        bcastHeartbeat(r.readOnly.lastPendingRequestCtx());
        return;
      }
      case MSG_CHECK_QUORUM -> {
        if (!r.trk.quorumActive(r.id)) {
          r.becomeFollower(r.term, 0);
        }
        // Start a new round: everyone must prove activity again.
        r.trk.progress.forEach((id, pr) -> {
          if (id != r.id) {
            pr.recentActive = false;
          }
        });
        return;
      }
      case MSG_PROP -> {
        handleProposal(m);
        return;
      }
      case MSG_READ_INDEX -> {
        handleReadIndex(m);
        return;
      }
      default -> { }
    }

    Progress pr = r.trk.get(m.getFrom());
    if (pr == null) {
      return; // not (or no longer) a member
    }
    switch (m.getType()) {
      case MSG_APP_RESP -> handleAppendResponse(m, pr);
      case MSG_HEARTBEAT_RESP -> handleHeartbeatResponse(m, pr);
      case MSG_SNAP_STATUS -> {
        if (pr.state != ProgressState.SNAPSHOT) {
          return;
        }
        if (m.getReject()) {
          pr.pendingSnapshot = 0;
        }
        pr.becomeProbe();
        // Wait for a heartbeat response before probing, so the snapshot can be applied first.
        pr.msgAppFlowPaused = true;
      }
      case MSG_UNREACHABLE -> {
        // Appends were probably lost: stop pipelining and probe.
        if (pr.state == ProgressState.REPLICATE) {
          pr.becomeProbe();
        }
      }
      case MSG_TRANSFER_LEADER -> handleTransfer(m, pr);
      default -> { }
    }
  }

  // ---------------------------------------------------------------- proposals

  private void handleProposal(Message m) {
    if (m.getEntriesCount() == 0) {
      throw new IllegalStateException("stepped empty MsgProp");
    }
    if (r.trk.get(r.id) == null) {
      throw new RaftException(RaftException.Code.PROPOSAL_DROPPED,
          "this leader was removed from the configuration");
    }
    if (r.leadTransferee != 0) {
      throw new RaftException(RaftException.Code.PROPOSAL_DROPPED,
          "leadership transfer to " + r.leadTransferee + " in progress");
    }
    List<Entry> ents = new ArrayList<>(m.getEntriesList());
    for (int i = 0; i < ents.size(); i++) {
      Entry e = ents.get(i);
      if (e.getType() == Entry.Type.NORMAL) {
        continue;
      }
      ConfChangeV2 cc = Raft.decodeConfChange(e);
      boolean alreadyPending = r.pendingConfIndex > r.log.applied;
      boolean alreadyJoint = r.trk.config.voters.isJoint();
      boolean wantsLeaveJoint = Raft.isLeaveJoint(cc);
      // One change at a time: a change is only accepted once the previous one is applied, and a
      // joint config must be left before anything else.
      if (alreadyPending || (alreadyJoint && !wantsLeaveJoint)
          || (!alreadyJoint && wantsLeaveJoint)) {
        ents.set(i, Entry.newBuilder().setType(Entry.Type.NORMAL).build());
      } else {
        r.pendingConfIndex = r.log.lastIndex() + i + 1;
      }
    }
    if (!appendEntry(ents)) {
      throw new RaftException(RaftException.Code.PROPOSAL_DROPPED, "append refused");
    }
    bcastAppend();
  }

  /** Appends entries in the current term; the self-ack is delivered after they are persisted. */
  boolean appendEntry(List<Entry> es) {
    long li = r.log.lastIndex();
    List<Entry> stamped = new ArrayList<>(es.size());
    for (int i = 0; i < es.size(); i++) {
      stamped.add(es.get(i).toBuilder().setTerm(r.term).setIndex(li + 1 + i).build());
    }
    li = r.log.append(stamped);
    r.send(Message.newBuilder().setTo(r.id).setType(MessageType.MSG_APP_RESP).setIndex(li));
    return true;
  }

  // ---------------------------------------------------------------- replication

  private void handleAppendResponse(Message m, Progress pr) {
    pr.recentActive = true;
    if (m.getReject()) {
      // The follower lacks (index, logTerm). Its hint is (rejectHint, logTerm): its last entry
      // that could match. Skip every entry of ours with a term above the follower's, since none
      // of those can match; this backtracks a whole term per round trip.
      long nextProbe = m.getRejectHint();
      if (m.getLogTerm() > 0) {
        nextProbe = r.log.findConflictByTerm(m.getRejectHint(), m.getLogTerm());
      }
      if (pr.maybeDecrTo(m.getIndex(), nextProbe)) {
        if (pr.state == ProgressState.REPLICATE) {
          pr.becomeProbe();
        }
        sendAppend(m.getFrom());
      }
      return;
    }
    boolean oldPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.getIndex())) {
      return;
    }
    switch (pr.state) {
      case PROBE -> pr.becomeReplicate();
      case SNAPSHOT -> {
        // The follower caught up past our first index: it can be served from the log.
        if (pr.match + 1 >= r.log.firstIndex()) {
          pr.becomeProbe();
          pr.becomeReplicate();
        }
      }
      case REPLICATE -> pr.inflights.freeLE(m.getIndex());
    }
    if (maybeCommit()) {
      releasePendingReadIndexMessages();
      bcastAppend();
    } else if (m.getFrom() != r.id && oldPaused) {
      sendAppend(m.getFrom());
    }
    if (m.getFrom() != r.id) {
      // Fill the pipeline with whatever else is pending.
      while (maybeSendAppend(m.getFrom(), false)) {
        // keep sending
      }
    }
    if (m.getFrom() == r.leadTransferee && pr.match == r.log.lastIndex()) {
      sendTimeoutNow(m.getFrom());
    }
  }

  private void handleHeartbeatResponse(Message m, Progress pr) {
    pr.recentActive = true;
    pr.msgAppFlowPaused = false;
    // Free one slot so a stalled pipeline can make progress.
    if (pr.state == ProgressState.REPLICATE && pr.inflights.full()) {
      pr.inflights.freeFirstOne();
    }
    if (pr.match < r.log.lastIndex()) {
      sendAppend(m.getFrom());
    }
    if (r.readOnly.option != ReadOnlyOption.SAFE || m.getContext().isEmpty()) {
      return;
    }
    Map<Long, Boolean> acks = r.readOnly.recvAck(m.getFrom(), m.getContext());
    if (acks == null || r.trk.config.voters.voteResult(acks) != VoteResult.WON) {
      return;
    }
    for (ReadOnly.Status rs : r.readOnly.advance(m.getContext())) {
      respondToRead(rs.req, rs.index);
    }
  }

  boolean maybeCommit() {
    return r.log.maybeCommit(r.trk.committed(), r.term);
  }

  void sendAppend(long to) {
    maybeSendAppend(to, true);
  }

  /**
   * Sends an append (or a snapshot, when the needed entries are compacted) unless the follower
   * is paused. With sendIfEmpty=false nothing is sent when there are no new entries.
   */
  boolean maybeSendAppend(long to, boolean sendIfEmpty) {
    Progress pr = r.trk.get(to);
    if (pr == null || pr.isPaused()) {
      return false;
    }
    long prevIndex = pr.next - 1;
    long prevTerm = r.log.termOrMinus(prevIndex);
    List<Entry> ents = null;
    if (prevTerm >= 0) {
      try {
        ents = r.log.entries(pr.next, r.maxMsgSize);
      } catch (RaftException e) {
        if (e.code() != RaftException.Code.COMPACTED) {
          throw e;
        }
      }
    }
    if (ents == null) {
      return sendSnapshot(to, pr);
    }
    if (ents.isEmpty() && !sendIfEmpty) {
      return false;
    }
    r.send(Message.newBuilder().setTo(to).setType(MessageType.MSG_APP).setIndex(prevIndex)
        .setLogTerm(prevTerm).addAllEntries(ents).setCommit(r.log.committed));
    pr.sentEntries(ents.size(), Entries.size(ents));
    return true;
  }

  private boolean sendSnapshot(long to, Progress pr) {
    if (!pr.recentActive) {
      return false; // do not ship a snapshot to a node that may be down
    }
    Snapshot snap;
    try {
      snap = r.log.snapshot();
    } catch (RaftException e) {
      if (e.code() == RaftException.Code.SNAPSHOT_TEMPORARILY_UNAVAILABLE) {
        return false;
      }
      throw e;
    }
    if (snap.getMetadata().getIndex() == 0) {
      throw new IllegalStateException("need non-empty snapshot");
    }
    pr.becomeSnapshot(snap.getMetadata().getIndex());
    r.send(Message.newBuilder().setTo(to).setType(MessageType.MSG_SNAP).setSnapshot(snap));
    return true;
  }

  /** Sends appends to every follower that is not paused, including empty ones (commit news). */
  void bcastAppend() {
    r.trk.progress.forEach((id, pr) -> {
      if (id != r.id) {
        sendAppend(id);
      }
    });
  }

  void bcastHeartbeat(ByteString ctx) {
    r.trk.progress.forEach((id, pr) -> {
      if (id == r.id) {
        return;
      }
      // Never tell a follower to commit beyond what it is known to have.
      Message.Builder m = Message.newBuilder().setTo(id).setType(MessageType.MSG_HEARTBEAT)
          .setCommit(Math.min(pr.match, r.log.committed));
      if (ctx != null) {
        m.setContext(ctx);
      }
      r.send(m);
    });
  }

  // ---------------------------------------------------------------- reads

  private boolean committedEntryInCurrentTerm() {
    return r.log.zeroTermOnOutOfBounds(r.log.committed) == r.term;
  }

  private void handleReadIndex(Message m) {
    if (r.trk.isSingleton()) {
      respondToRead(m, r.log.committed);
      return;
    }
    // Until an entry of this term commits we do not know the true commit index (§6.4).
    if (!committedEntryInCurrentTerm()) {
      r.pendingReadIndexMessages.add(m);
      return;
    }
    readIndexAtCommit(m);
  }

  private void readIndexAtCommit(Message m) {
    if (r.readOnly.option == ReadOnlyOption.SAFE) {
      ByteString ctx = m.getEntries(0).getData();
      r.readOnly.addRequest(r.log.committed, m);
      r.readOnly.recvAck(r.id, ctx);
      bcastHeartbeat(ctx);
    } else {
      respondToRead(m, r.log.committed);
    }
  }

  private void releasePendingReadIndexMessages() {
    if (r.pendingReadIndexMessages.isEmpty() || !committedEntryInCurrentTerm()) {
      return;
    }
    List<Message> pending = new ArrayList<>(r.pendingReadIndexMessages);
    r.pendingReadIndexMessages.clear();
    for (Message m : pending) {
      readIndexAtCommit(m);
    }
  }

  private void respondToRead(Message req, long index) {
    if (req.getFrom() == 0 || req.getFrom() == r.id) {
      r.readStates.add(new ReadState(index, req.getEntries(0).getData()));
      return;
    }
    r.send(Message.newBuilder().setTo(req.getFrom()).setType(MessageType.MSG_READ_INDEX_RESP)
        .setIndex(index).addAllEntries(req.getEntriesList()));
  }

  // ---------------------------------------------------------------- transfer

  private void handleTransfer(Message m, Progress pr) {
    if (pr.isLearner) {
      return;
    }
    long transferee = m.getFrom();
    if (r.leadTransferee != 0) {
      if (r.leadTransferee == transferee) {
        return; // same transfer already running
      }
      r.leadTransferee = 0;
    }
    if (transferee == r.id) {
      return; // already leader
    }
    // The transfer must finish within an election timeout.
    r.electionElapsed = 0;
    r.leadTransferee = transferee;
    if (pr.match == r.log.lastIndex()) {
      sendTimeoutNow(transferee);
    } else {
      sendAppend(transferee);
    }
  }

  private void sendTimeoutNow(long to) {
    r.send(Message.newBuilder().setTo(to).setType(MessageType.MSG_TIMEOUT_NOW));
  }
}
