package io.cairn.raft;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.cairn.proto.raftpb.ConfChange;
import io.cairn.proto.raftpb.ConfChangeSingle;
import io.cairn.proto.raftpb.ConfChangeV2;
import io.cairn.proto.raftpb.ConfState;
import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.raftpb.HardState;
import io.cairn.proto.raftpb.Message;
import io.cairn.proto.raftpb.MessageType;
import java.util.ArrayList;
import java.util.List;

/**
 * The raft state machine: terms, votes, roles, timers and message dispatch. Role-specific
 * handling lives in {@link LeaderStep} and {@link FollowerStep}. Not thread-safe; no I/O.
 *
 * <p>Invariants: {@code vote} is only ever set for the current {@code term}; a node has at most
 * one leader per term ({@code lead}); outgoing messages that depend on durable state (votes and
 * append acks) go to {@code msgsAfterAppend} and are released only after the persist.
 */
final class Raft {
  static final ByteString CAMPAIGN_TRANSFER = ByteString.copyFromUtf8("CampaignTransfer");

  enum CampaignType { PRE_ELECTION, ELECTION, TRANSFER }

  final long id;
  long term;
  long vote;
  final RaftLog log;
  final long maxMsgSize;
  final ProgressTracker trk;
  StateRole state = StateRole.FOLLOWER;
  /** Current leader in this term, 0 if unknown. */
  long lead;
  /** Target of an ongoing leadership transfer, 0 if none. Proposals are dropped while set. */
  long leadTransferee;
  /** Index of the latest conf change the leader appended; a new one waits until it is applied. */
  long pendingConfIndex;
  ReadOnly readOnly;
  /** Read requests that arrived before the leader committed an entry of its term. */
  final List<Message> pendingReadIndexMessages = new ArrayList<>();
  final List<ReadState> readStates = new ArrayList<>();

  /** Messages that may be sent right away. */
  final List<Message> msgs = new ArrayList<>();
  /** Messages (acks, votes) that may only be sent once the Ready's persist is durable. */
  final List<Message> msgsAfterAppend = new ArrayList<>();

  final boolean checkQuorum;
  final boolean preVote;
  final boolean disableProposalForwarding;
  final boolean stepDownOnRemoval;
  final int heartbeatTimeout;
  final int electionTimeout;
  int randomizedElectionTimeout;
  int electionElapsed;
  int heartbeatElapsed;
  private final RandomSource rand;

  private final LeaderStep leader = new LeaderStep(this);
  private final FollowerStep follower = new FollowerStep(this);

  Raft(RaftConfig c, RaftStorage storage) {
    c.validate();
    this.id = c.id();
    this.log = new RaftLog(storage, c.maxCommittedSizePerReady());
    this.maxMsgSize = c.maxSizePerMsg();
    this.trk = new ProgressTracker(c.maxInflightMsgs(), c.maxInflightBytes());
    this.checkQuorum = c.checkQuorum();
    this.preVote = c.preVote();
    this.disableProposalForwarding = c.disableProposalForwarding();
    this.stepDownOnRemoval = c.stepDownOnRemoval();
    this.heartbeatTimeout = c.heartbeatTick();
    this.electionTimeout = c.electionTick();
    this.rand = c.random();
    this.readOnly = new ReadOnly(c.readOnlyOption());

    RaftStorage.InitialState st = storage.initialState();
    ConfChanger.Result r = ConfChanger.restore(trk, st.confState(), log.lastIndex());
    switchToConfig(r);
    HardState hs = st.hardState();
    if (!hs.equals(HardState.getDefaultInstance())) {
      loadState(hs);
    }
    if (c.applied() > 0) {
      log.appliedTo(c.applied(), 0);
    }
    becomeFollower(term, 0);
  }

  // ---------------------------------------------------------------- state

  SoftState softState() {
    return new SoftState(lead, state);
  }

  HardState hardState() {
    return HardState.newBuilder().setTerm(term).setVote(vote).setCommit(log.committed).build();
  }

  private void loadState(HardState hs) {
    if (hs.getCommit() < log.committed || hs.getCommit() > log.lastIndex()) {
      throw new IllegalStateException("hard state commit " + hs.getCommit() + " out of range ["
          + log.committed + ", " + log.lastIndex() + "]");
    }
    log.committed = hs.getCommit();
    term = hs.getTerm();
    vote = hs.getVote();
  }

  /**
   * True once this node applied a configuration that removed it (reset when it is a member
   * again). Not persisted.
   */
  boolean removedSelf;

  /**
   * Whether this node may campaign: it is a voter (or was just removed, see below) and is not
   * installing a snapshot.
   *
   * <p>A node that applied its own removal may still campaign, counting votes by the new
   * configuration (which it does not belong to). Members that have not yet learned that the
   * removal committed may still be in the old or joint configuration and need this node's vote;
   * if its log is longer than theirs, only it can win. As leader it commits an entry of its
   * term, which tells the members that the new configuration is committed, and it drops all
   * proposals. Counting by an applied configuration is as safe for it as for any member.
   */
  boolean promotable() {
    if (log.hasNextOrInProgressSnapshot()) {
      return false;
    }
    Progress pr = trk.get(id);
    if (pr != null) {
      return !pr.isLearner;
    }
    return removedSelf && trk.config.voters.incoming.size() > 0;
  }

  // ---------------------------------------------------------------- sending

  /** Queues m in the right outbox, stamping from and (except for a few types) the term. */
  void send(Message.Builder m) {
    if (m.getFrom() == 0) {
      m.setFrom(id);
    }
    MessageType t = m.getType();
    if (t == MessageType.MSG_VOTE || t == MessageType.MSG_VOTE_RESP
        || t == MessageType.MSG_PRE_VOTE || t == MessageType.MSG_PRE_VOTE_RESP) {
      // Vote traffic carries the term it is about (term+1 for pre-votes), set by the caller.
      if (m.getTerm() == 0) {
        throw new IllegalStateException("term should be set when sending " + t);
      }
    } else if (t != MessageType.MSG_PROP && t != MessageType.MSG_READ_INDEX) {
      // Forwarded proposals and reads carry no term: the leader handles them as local.
      m.setTerm(term);
    }
    if (t == MessageType.MSG_APP_RESP || t == MessageType.MSG_VOTE_RESP
        || t == MessageType.MSG_PRE_VOTE_RESP) {
      msgsAfterAppend.add(m.build());
    } else {
      if (m.getTo() == id) {
        throw new IllegalStateException("message should not be self-addressed: " + t);
      }
      msgs.add(m.build());
    }
  }

  // ---------------------------------------------------------------- transitions

  private void reset(long newTerm) {
    if (term != newTerm) {
      term = newTerm;
      vote = 0;
    }
    lead = 0;
    electionElapsed = 0;
    heartbeatElapsed = 0;
    randomizedElectionTimeout = electionTimeout + rand.nextInt(electionTimeout);
    leadTransferee = 0;
    trk.resetVotes();
    long last = log.lastIndex();
    trk.progress.replaceAll((pid, pr) -> {
      Progress fresh = new Progress(0, last + 1, trk.newInflights(), pr.isLearner);
      if (pid == id) {
        // Only durable entries count for our own match; newer ones are self-acked after persist.
        fresh.match = log.stableLastIndex();
      }
      return fresh;
    });
    pendingConfIndex = 0;
    readOnly = new ReadOnly(readOnly.option);
  }

  void becomeFollower(long t, long leaderId) {
    reset(t);
    lead = leaderId;
    state = StateRole.FOLLOWER;
  }

  void becomeCandidate() {
    if (state == StateRole.LEADER) {
      throw new IllegalStateException("invalid transition [leader -> candidate]");
    }
    reset(term + 1);
    vote = id;
    state = StateRole.CANDIDATE;
  }

  /** Pre-candidate: neither term nor vote change, so a lost pre-vote disturbs nobody. */
  void becomePreCandidate() {
    if (state == StateRole.LEADER) {
      throw new IllegalStateException("invalid transition [leader -> pre-candidate]");
    }
    trk.resetVotes();
    lead = 0;
    state = StateRole.PRE_CANDIDATE;
  }

  void becomeLeader() {
    if (state == StateRole.FOLLOWER) {
      throw new IllegalStateException("invalid transition [follower -> leader]");
    }
    reset(term);
    lead = id;
    state = StateRole.LEADER;
    Progress self = trk.get(id);
    if (self != null) { // null for a removed node finishing a configuration change
      self.becomeReplicate();
      self.recentActive = true;
    }
    // Conservatively treat any conf change in the log as pending until applied.
    pendingConfIndex = log.lastIndex();
    // An entry of the new term: committing it commits all earlier entries (§5.4.2).
    if (!leader.appendEntry(List.of(Entry.getDefaultInstance()))) {
      throw new IllegalStateException("empty entry was dropped");
    }
  }

  // ---------------------------------------------------------------- ticking

  void tick() {
    if (state == StateRole.LEADER) {
      tickHeartbeat();
    } else {
      tickElection();
    }
  }

  private void tickElection() {
    electionElapsed++;
    if (promotable() && electionElapsed >= randomizedElectionTimeout) {
      electionElapsed = 0;
      step(local(MessageType.MSG_HUP));
    }
  }

  private void tickHeartbeat() {
    heartbeatElapsed++;
    electionElapsed++;
    if (electionElapsed >= electionTimeout) {
      electionElapsed = 0;
      if (checkQuorum) {
        step(local(MessageType.MSG_CHECK_QUORUM));
      }
      // A transfer that did not finish within an election timeout is abandoned.
      if (state == StateRole.LEADER && leadTransferee != 0) {
        leadTransferee = 0;
      }
    }
    if (state != StateRole.LEADER) {
      return;
    }
    if (heartbeatElapsed >= heartbeatTimeout) {
      heartbeatElapsed = 0;
      step(local(MessageType.MSG_BEAT));
    }
  }

  private Message local(MessageType t) {
    return Message.newBuilder().setType(t).setFrom(id).build();
  }

  // ---------------------------------------------------------------- elections

  void hup(CampaignType t) {
    if (state == StateRole.LEADER || !promotable()) {
      return;
    }
    // A conf change committed but not applied may change who votes: wait for it.
    if (hasUnappliedConfChanges()) {
      return;
    }
    campaign(t);
  }

  private boolean hasUnappliedConfChanges() {
    if (log.applied >= log.committed) {
      return false;
    }
    long lo = Math.max(log.applied + 1, log.firstIndex());
    for (Entry e : log.slice(lo, log.committed + 1, Long.MAX_VALUE)) {
      if (e.getType() != Entry.Type.NORMAL) {
        return true;
      }
    }
    return false;
  }

  void campaign(CampaignType t) {
    if (!promotable()) {
      return;
    }
    long voteTerm;
    MessageType voteMsg;
    if (t == CampaignType.PRE_ELECTION) {
      becomePreCandidate();
      voteMsg = MessageType.MSG_PRE_VOTE;
      voteTerm = term + 1; // the term we would campaign in; not adopted yet
    } else {
      becomeCandidate();
      voteMsg = MessageType.MSG_VOTE;
      voteTerm = term;
    }
    // Ask learners too: with a stale configuration we may not know that a "learner" has been
    // promoted, and asking it also tells it our term. Only voters' answers are counted.
    java.util.TreeSet<Long> ask = trk.config.voters.ids();
    ask.addAll(trk.progress.keySet());
    for (long vid : ask) {
      if (vid == id) {
        // Our own vote counts once it is durable: delivered to ourselves after the persist.
        send(Message.newBuilder().setTo(id).setTerm(voteTerm)
            .setType(voteRespType(voteMsg)));
        continue;
      }
      Message.Builder m = Message.newBuilder().setTo(vid).setTerm(voteTerm).setType(voteMsg)
          .setIndex(log.lastIndex()).setLogTerm(log.lastTerm());
      if (t == CampaignType.TRANSFER) {
        m.setContext(CAMPAIGN_TRANSFER);
      }
      send(m);
    }
  }

  static MessageType voteRespType(MessageType t) {
    return t == MessageType.MSG_VOTE ? MessageType.MSG_VOTE_RESP : MessageType.MSG_PRE_VOTE_RESP;
  }

  VoteResult poll(long from, boolean granted) {
    trk.recordVote(from, granted);
    return trk.tallyVotes();
  }

  // ---------------------------------------------------------------- step

  /** The single entry point for messages (remote and local). */
  void step(Message m) {
    if (m.getTerm() == 0) {
      // local message (or a forwarded proposal / read, which carry no term)
    } else if (m.getTerm() > term) {
      MessageType t = m.getType();
      if (t == MessageType.MSG_VOTE || t == MessageType.MSG_PRE_VOTE) {
        boolean force = CAMPAIGN_TRANSFER.equals(m.getContext());
        boolean inLease = checkQuorum && lead != 0 && electionElapsed < electionTimeout;
        if (!force && inLease) {
          // We heard from a leader within the minimum election timeout: keep it (§6 thesis,
          // "disruptive servers"). No reply, no term change.
          return;
        }
      }
      if (t == MessageType.MSG_PRE_VOTE) {
        // A pre-vote never changes our term.
      } else if (t == MessageType.MSG_PRE_VOTE_RESP && !m.getReject()) {
        // We asked for term+1; we adopt it only when the pre-vote wins.
      } else if (t == MessageType.MSG_APP || t == MessageType.MSG_HEARTBEAT
          || t == MessageType.MSG_SNAP) {
        becomeFollower(m.getTerm(), m.getFrom());
      } else {
        becomeFollower(m.getTerm(), 0);
      }
    } else if (m.getTerm() < term) {
      MessageType t = m.getType();
      if ((checkQuorum || preVote)
          && (t == MessageType.MSG_HEARTBEAT || t == MessageType.MSG_APP)) {
        // A stale leader (e.g. after a partition) learns our term and steps down; otherwise
        // with check-quorum or pre-vote our higher term might never reach it.
        send(Message.newBuilder().setTo(m.getFrom()).setType(MessageType.MSG_APP_RESP));
      } else if (t == MessageType.MSG_PRE_VOTE || t == MessageType.MSG_VOTE) {
        // Reject with our term (as in the Raft paper), so that a candidate stuck in a lower
        // term catches up instead of campaigning forever below us. Without this, two nodes
        // that only hear each other's vote requests can livelock.
        send(Message.newBuilder().setTo(m.getFrom()).setTerm(term)
            .setType(voteRespType(t)).setReject(true));
      }
      return;
    }

    switch (m.getType()) {
      case MSG_HUP -> hup(preVote ? CampaignType.PRE_ELECTION : CampaignType.ELECTION);
      case MSG_VOTE, MSG_PRE_VOTE -> handleVoteRequest(m);
      default -> {
        switch (state) {
          case LEADER -> leader.step(m);
          case CANDIDATE, PRE_CANDIDATE -> follower.stepCandidate(m);
          case FOLLOWER -> follower.stepFollower(m);
        }
      }
    }
  }

  private void handleVoteRequest(Message m) {
    // We can vote if we already voted for this node (a repeat), or have not voted and know no
    // leader in this term, or it is a pre-vote for a future term.
    boolean canVote = vote == m.getFrom()
        || (vote == 0 && lead == 0)
        || (m.getType() == MessageType.MSG_PRE_VOTE && m.getTerm() > term);
    MessageType resp = voteRespType(m.getType());
    if (canVote && log.isUpToDate(m.getIndex(), m.getLogTerm())) {
      // Reply with the message's term so that a pre-candidate can count it.
      send(Message.newBuilder().setTo(m.getFrom()).setTerm(m.getTerm()).setType(resp));
      if (m.getType() == MessageType.MSG_VOTE) {
        electionElapsed = 0;
        vote = m.getFrom();
      }
    } else {
      send(Message.newBuilder().setTo(m.getFrom()).setTerm(term).setType(resp).setReject(true));
    }
  }

  // ---------------------------------------------------------------- application callbacks

  void appliedTo(long index, long size) {
    long newApplied = Math.max(index, log.applied);
    log.appliedTo(newApplied, size);
    if (trk.config.autoLeave && newApplied >= pendingConfIndex && state == StateRole.LEADER) {
      // Propose leaving the joint config ourselves. If this is dropped (transfer in progress),
      // it is retried on the next apply.
      Message m = Message.newBuilder().setType(MessageType.MSG_PROP).setFrom(id)
          .addEntries(Entry.newBuilder().setType(Entry.Type.CONF_CHANGE_V2)).build();
      try {
        step(m);
      } catch (RaftException e) {
        // dropped; retried later
      }
    }
  }

  ConfState applyConfChange(ConfChangeV2 cc) {
    ConfChanger changer = new ConfChanger(trk, log.lastIndex());
    ConfChanger.Result r;
    if (isLeaveJoint(cc)) {
      r = changer.leaveJoint();
    } else if (entersJoint(cc)) {
      r = changer.enterJoint(cc.getTransition() != ConfChangeV2.Transition.EXPLICIT,
          cc.getChangesList());
    } else {
      r = changer.simple(cc.getChangesList());
    }
    return switchToConfig(r);
  }

  static boolean isLeaveJoint(ConfChangeV2 cc) {
    // etcd's LeaveJoint: the zero change, whatever its context
    return cc.getChangesCount() == 0 && cc.getTransition() == ConfChangeV2.Transition.AUTO;
  }

  static boolean entersJoint(ConfChangeV2 cc) {
    return cc.getTransition() != ConfChangeV2.Transition.AUTO || cc.getChangesCount() > 1;
  }

  static ConfChangeV2 toV2(ConfChange cc) {
    return ConfChangeV2.newBuilder()
        .addChanges(ConfChangeSingle.newBuilder().setType(cc.getType()).setNodeId(cc.getNodeId()))
        .setContext(cc.getContext()).build();
  }

  /** Decodes the conf change carried by a log entry of a conf-change type. */
  static ConfChangeV2 decodeConfChange(Entry e) {
    try {
      if (e.getType() == Entry.Type.CONF_CHANGE) {
        return toV2(ConfChange.parseFrom(e.getData()));
      }
      return ConfChangeV2.parseFrom(e.getData());
    } catch (InvalidProtocolBufferException ex) {
      throw new RaftException(RaftException.Code.INVALID_CONFIG, "undecodable conf change: "
          + ex.getMessage());
    }
  }

  /** Installs a new configuration and reacts to it (commit may advance, removed leader). */
  ConfState switchToConfig(ConfChanger.Result r) {
    boolean wasMember = trk.get(id) != null;
    trk.config = r.config();
    trk.progress = r.progress();
    boolean member = trk.get(id) != null;
    if (member) {
      removedSelf = false;
    } else if (wasMember) {
      removedSelf = true;
    }
    ConfState cs = trk.config.toConfState();
    Progress pr = trk.get(id);
    if ((pr == null || pr.isLearner) && state == StateRole.LEADER) {
      // Removed or demoted leader: it keeps leading (without counting itself) until it steps
      // down, unless configured to step down at once.
      if (stepDownOnRemoval) {
        becomeFollower(term, 0);
      }
      return cs;
    }
    if (state != StateRole.LEADER || cs.getVotersCount() == 0) {
      return cs;
    }
    // The quorum changed: commit may advance; new members need appends.
    if (leader.maybeCommit()) {
      leader.bcastAppend();
    } else {
      trk.progress.forEach((pid, p) -> {
        if (pid != id) {
          leader.maybeSendAppend(pid, false);
        }
      });
    }
    if (leadTransferee != 0 && !trk.config.voters.contains(leadTransferee)) {
      leadTransferee = 0;
    }
    return cs;
  }

  LeaderStep leaderStep() {
    return leader;
  }
}
