package io.cairn.raft;

/** Outcome of sending a snapshot to a follower, reported via {@link RawNode#reportSnapshot}. */
public enum SnapshotStatus {
  FINISH,
  FAILURE
}
