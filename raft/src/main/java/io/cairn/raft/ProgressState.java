package io.cairn.raft;

/** Replication state of one follower as seen by the leader. */
public enum ProgressState {
  /** Unknown match: one append per heartbeat interval until the follower's log position is found. */
  PROBE,
  /** Pipelining appends optimistically, bounded by the in-flight window. */
  REPLICATE,
  /** Waiting for a snapshot to be installed; no appends sent. */
  SNAPSHOT
}
