package io.cairn.raft;

/** How the leader confirms its leadership for ReadIndex requests. */
public enum ReadOnlyOption {
  /** Confirm with a heartbeat round acknowledged by a quorum (always linearizable). */
  SAFE,
  /** Trust the leader lease; needs checkQuorum and bounded clock drift. */
  LEASE_BASED
}
