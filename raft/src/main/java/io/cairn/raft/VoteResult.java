package io.cairn.raft;

/** Outcome of counting votes (or acks) against a configuration. */
enum VoteResult {
  /** Neither won nor lost yet: missing votes could still decide either way. */
  PENDING,
  LOST,
  WON
}
