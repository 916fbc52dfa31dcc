package io.cairn.raft;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.ConfChangeSingle;
import io.cairn.proto.raftpb.ConfChangeV2;
import io.cairn.proto.raftpb.ConfState;
import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.raftpb.HardState;
import io.cairn.proto.raftpb.Message;
import io.cairn.proto.raftpb.Snapshot;
import java.util.List;
import java.util.stream.Collectors;

/** Stable, compact text for raft types, used by the golden scenario files. */
final class Describe {
  private Describe() {}

  static String entry(Entry e) {
    String type = switch (e.getType()) {
      case NORMAL -> "";
      case CONF_CHANGE, CONF_CHANGE_V2 -> " conf:" + confChange(Raft.decodeConfChange(e));
      default -> " ?";
    };
    String data = e.getType() == Entry.Type.NORMAL && !e.getData().isEmpty()
        ? " " + quote(e.getData()) : "";
    return e.getTerm() + "/" + e.getIndex() + type + data;
  }

  static String entries(List<Entry> es) {
    return es.stream().map(Describe::entry).collect(Collectors.joining(", ", "[", "]"));
  }

  static String confChange(ConfChangeV2 cc) {
    if (Raft.isLeaveJoint(cc)) {
      return "leave-joint";
    }
    StringBuilder b = new StringBuilder();
    if (cc.getTransition() != ConfChangeV2.Transition.AUTO) {
      b.append(cc.getTransition().name().toLowerCase()).append(' ');
    }
    b.append(cc.getChangesList().stream().map(Describe::single)
        .collect(Collectors.joining(" ")));
    return "(" + b + ")";
  }

  private static String single(ConfChangeSingle c) {
    String p = switch (c.getType()) {
      case ADD_NODE -> "v";
      case ADD_LEARNER_NODE -> "l";
      case REMOVE_NODE -> "r";
      case UPDATE_NODE -> "u";
      default -> "?";
    };
    return p + c.getNodeId();
  }

  static String quote(ByteString b) {
    return "\"" + b.toStringUtf8() + "\"";
  }

  static String hardState(HardState hs) {
    return "HardState term=" + hs.getTerm() + " vote=" + hs.getVote() + " commit="
        + hs.getCommit();
  }

  static String confState(ConfState cs) {
    StringBuilder b = new StringBuilder("voters=").append(cs.getVotersList().toString()
        .replace(" ", ""));
    if (cs.getVotersOutgoingCount() > 0) {
      b.append("&&").append(cs.getVotersOutgoingList().toString().replace(" ", ""));
    }
    if (cs.getLearnersCount() > 0) {
      b.append(" learners=").append(cs.getLearnersList().toString().replace(" ", ""));
    }
    if (cs.getLearnersNextCount() > 0) {
      b.append(" learners_next=").append(cs.getLearnersNextList().toString().replace(" ", ""));
    }
    if (cs.getAutoLeave()) {
      b.append(" autoleave");
    }
    return b.toString();
  }

  static String snapshot(Snapshot s) {
    return "snap index=" + s.getMetadata().getIndex() + " term=" + s.getMetadata().getTerm()
        + " " + confState(s.getMetadata().getConfState());
  }

  static String message(Message m) {
    StringBuilder b = new StringBuilder();
    b.append(m.getFrom()).append("->").append(m.getTo()).append(' ')
        .append(typeName(m)).append(" term=").append(m.getTerm());
    switch (m.getType()) {
      case MSG_APP -> b.append(" prev=").append(m.getLogTerm()).append('/').append(m.getIndex())
          .append(" commit=").append(m.getCommit());
      case MSG_APP_RESP -> {
        b.append(" index=").append(m.getIndex());
        if (m.getReject()) {
          b.append(" rejected hint=").append(m.getLogTerm()).append('/')
              .append(m.getRejectHint());
        }
      }
      case MSG_VOTE, MSG_PRE_VOTE -> b.append(" last=").append(m.getLogTerm()).append('/')
          .append(m.getIndex());
      case MSG_VOTE_RESP, MSG_PRE_VOTE_RESP -> {
        if (m.getReject()) {
          b.append(" rejected");
        }
      }
      case MSG_HEARTBEAT -> b.append(" commit=").append(m.getCommit());
      case MSG_SNAP -> b.append(' ').append(snapshot(m.getSnapshot()));
      case MSG_READ_INDEX_RESP -> b.append(" index=").append(m.getIndex());
      default -> { }
    }
    if (!m.getContext().isEmpty()) {
      b.append(" ctx=").append(quote(m.getContext()));
    }
    if (m.getEntriesCount() > 0) {
      b.append(" entries=").append(entries(m.getEntriesList()));
    }
    return b.toString();
  }

  private static String typeName(Message m) {
    String[] parts = m.getType().name().substring(4).toLowerCase().split("_");
    StringBuilder b = new StringBuilder("Msg");
    for (String p : parts) {
      b.append(Character.toUpperCase(p.charAt(0))).append(p.substring(1));
    }
    return b.toString();
  }

  static String ready(Ready rd) {
    StringBuilder b = new StringBuilder();
    if (rd.softState() != null) {
      b.append("  lead=").append(rd.softState().leader()).append(' ')
          .append(rd.softState().role()).append('\n');
    }
    if (rd.hardState() != null) {
      b.append("  ").append(hardState(rd.hardState())).append('\n');
    }
    if (rd.snapshot() != null) {
      b.append("  Snapshot: ").append(snapshot(rd.snapshot())).append('\n');
    }
    if (!rd.entries().isEmpty()) {
      b.append("  Entries: ").append(entries(rd.entries()))
          .append(rd.mustSync() ? "" : " (no sync)").append('\n');
    }
    if (!rd.committedEntries().isEmpty()) {
      b.append("  Committed: ").append(entries(rd.committedEntries())).append('\n');
    }
    for (Message m : rd.messages()) {
      b.append("  send ").append(message(m)).append('\n');
    }
    for (Message m : rd.messagesAfterPersist()) {
      b.append("  send-after-persist ").append(message(m)).append('\n');
    }
    for (ReadState rs : rd.readStates()) {
      b.append("  ReadState index=").append(rs.index()).append(" ctx=")
          .append(quote(rs.requestCtx())).append('\n');
    }
    return b.toString();
  }
}
