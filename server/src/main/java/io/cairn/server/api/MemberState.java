package io.cairn.server.api;

/** What the API layer needs to know about this member's consensus state; read on every response. */
public interface MemberState {
  long clusterId();

  long memberId();

  /** Current raft term. */
  long raftTerm();

  /** Current leader's member id, 0 when there is none. */
  long leaderId();

  long raftIndex();

  long appliedIndex();

  /** Whether this member is a learner (non-voting) in the current membership. */
  default boolean isLearner() {
    return false;
  }

  default boolean hasLeader() {
    return leaderId() != 0;
  }
}
