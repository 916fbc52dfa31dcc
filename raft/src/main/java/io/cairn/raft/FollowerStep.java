package io.cairn.raft;

import io.cairn.proto.raftpb.ConfState;
import io.cairn.proto.raftpb.Message;
import io.cairn.proto.raftpb.MessageType;
import io.cairn.proto.raftpb.Snapshot;
import io.cairn.proto.raftpb.SnapshotMetadata;

/**
 * Message handling for followers and (pre-)candidates: appends with the log-matching check,
 * heartbeats, snapshots, vote counting, forwarding of proposals and reads to the leader.
 *
 * <p>Invariants: an append is accepted only if our log contains its previous (index, term) (log
 * matching, §5.3); only the conflicting suffix is replaced, never a committed entry; acks are
 * queued after the persist.
 */
final class FollowerStep {
  private final Raft r;

  FollowerStep(Raft r) {
    this.r = r;
  }

  void stepCandidate(Message m) {
    MessageType myVoteResp = r.state == StateRole.PRE_CANDIDATE
        ? MessageType.MSG_PRE_VOTE_RESP : MessageType.MSG_VOTE_RESP;
    switch (m.getType()) {
      case MSG_PROP -> throw new RaftException(RaftException.Code.PROPOSAL_DROPPED,
          "no leader (campaigning)");
      // A leader of our term exists: follow it.
      case MSG_APP -> {
        r.becomeFollower(m.getTerm(), m.getFrom());
        handleAppendEntries(m);
      }
      case MSG_HEARTBEAT -> {
        r.becomeFollower(m.getTerm(), m.getFrom());
        handleHeartbeat(m);
      }
      case MSG_SNAP -> {
        r.becomeFollower(m.getTerm(), m.getFrom());
        handleSnapshot(m);
      }
      default -> {
        if (m.getType() != myVoteResp) {
          return; // includes MsgTimeoutNow: already campaigning
        }
        VoteResult res = r.poll(m.getFrom(), !m.getReject());
        if (res == VoteResult.WON) {
          if (r.state == StateRole.PRE_CANDIDATE) {
            r.campaign(Raft.CampaignType.ELECTION);
          } else {
            r.becomeLeader();
            r.leaderStep().bcastAppend();
          }
        } else if (res == VoteResult.LOST) {
          // A pre-candidate that lost keeps its term; a candidate stays in its new term.
          r.becomeFollower(r.term, 0);
        }
      }
    }
  }

  void stepFollower(Message m) {
    switch (m.getType()) {
      case MSG_PROP -> {
        if (r.lead == 0) {
          throw new RaftException(RaftException.Code.PROPOSAL_DROPPED, "no leader");
        }
        if (r.disableProposalForwarding) {
          throw new RaftException(RaftException.Code.PROPOSAL_DROPPED,
              "proposal forwarding disabled");
        }
        r.send(m.toBuilder().setTo(r.lead));
      }
      case MSG_APP -> {
        r.electionElapsed = 0;
        r.lead = m.getFrom();
        handleAppendEntries(m);
      }
      case MSG_HEARTBEAT -> {
        r.electionElapsed = 0;
        r.lead = m.getFrom();
        handleHeartbeat(m);
      }
      case MSG_SNAP -> {
        r.electionElapsed = 0;
        r.lead = m.getFrom();
        handleSnapshot(m);
      }
      case MSG_TRANSFER_LEADER -> {
        if (r.lead != 0) {
          r.send(m.toBuilder().setTo(r.lead));
        }
      }
      case MSG_TIMEOUT_NOW -> {
        // The leader asks us to take over: campaign at once, bypassing pre-vote and leases.
        r.hup(Raft.CampaignType.TRANSFER);
      }
      case MSG_READ_INDEX -> {
        if (r.lead != 0) {
          r.send(m.toBuilder().setTo(r.lead));
        }
      }
      case MSG_READ_INDEX_RESP -> {
        if (m.getEntriesCount() == 1) {
          r.readStates.add(new ReadState(m.getIndex(), m.getEntries(0).getData()));
        }
      }
      default -> { }
    }
  }

  void handleAppendEntries(Message m) {
    if (m.getIndex() < r.log.committed) {
      // Everything up to our commit index is already known to match.
      ack(m.getFrom(), r.log.committed);
      return;
    }
    long lastNew = r.log.maybeAppend(m.getIndex(), m.getLogTerm(), m.getCommit(),
        m.getEntriesList());
    if (lastNew >= 0) {
      ack(m.getFrom(), lastNew);
      return;
    }
    // Reject with a hint: the largest index <= min(index, lastIndex) whose term is <= the
    // leader's term at `index`. Entries above it cannot match the leader's log.
    long hintIndex = Math.min(m.getIndex(), r.log.lastIndex());
    hintIndex = r.log.findConflictByTerm(hintIndex, m.getLogTerm());
    long hintTerm = r.log.zeroTermOnOutOfBounds(hintIndex);
    r.send(Message.newBuilder().setTo(m.getFrom()).setType(MessageType.MSG_APP_RESP)
        .setIndex(m.getIndex()).setReject(true).setRejectHint(hintIndex).setLogTerm(hintTerm));
  }

  private void ack(long to, long index) {
    r.send(Message.newBuilder().setTo(to).setType(MessageType.MSG_APP_RESP).setIndex(index));
  }

  void handleHeartbeat(Message m) {
    // The leader never sends a commit beyond our acknowledged match, which is durable here.
    r.log.commitTo(Math.min(m.getCommit(), r.log.lastIndex()));
    Message.Builder resp = Message.newBuilder().setTo(m.getFrom())
        .setType(MessageType.MSG_HEARTBEAT_RESP).setContext(m.getContext());
    r.send(resp);
  }

  void handleSnapshot(Message m) {
    if (restore(m.getSnapshot())) {
      ack(m.getFrom(), r.log.lastIndex());
    } else {
      ack(m.getFrom(), r.log.committed);
    }
  }

  /** Installs a snapshot newer than our commit index. Returns false if it was not needed. */
  boolean restore(Snapshot s) {
    SnapshotMetadata md = s.getMetadata();
    if (md.getIndex() <= r.log.committed) {
      return false;
    }
    if (r.log.applying > r.log.applied) {
      // Committed entries handed to the application are still being applied; their conf
      // changes must not land on the snapshot's configuration. The leader retries later.
      return false;
    }
    if (r.state != StateRole.FOLLOWER) {
      // Defensive: only followers restore; should never happen.
      r.becomeFollower(r.term + 1, 0);
      return false;
    }
    ConfState cs = md.getConfState();
    boolean found = cs.getVotersList().contains(r.id) || cs.getLearnersList().contains(r.id)
        || cs.getVotersOutgoingList().contains(r.id);
    if (!found) {
      // A snapshot that does not include us; likely from a config we are not part of.
      return false;
    }
    // Our log already contains the snapshot's last entry: just fast-forward the commit.
    if (r.log.matchTerm(md.getIndex(), md.getTerm())) {
      r.log.commitTo(md.getIndex());
      return false;
    }
    r.log.restore(s);
    ProgressTracker fresh = new ProgressTracker(r.trk.maxInflight, r.trk.maxInflightBytes);
    ConfChanger.Result res = ConfChanger.restore(fresh, cs, r.log.lastIndex());
    r.switchToConfig(res);
    return true;
  }
}
