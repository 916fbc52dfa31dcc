package io.cairn.raft;

/** The role of a raft node. */
public enum StateRole {
  FOLLOWER,
  CANDIDATE,
  LEADER,
  PRE_CANDIDATE
}
