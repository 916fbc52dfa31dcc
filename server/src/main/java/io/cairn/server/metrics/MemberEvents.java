package io.cairn.server.metrics;

/**
 * What the member's raft glue, apply thread and peer transport report for the metrics, as plain calls: those
 * classes stay free of the metrics library, and tests that build a member without metrics pass {@link #NONE}.
 * Every method is called on a hot path: an implementation only counts or records.
 */
public interface MemberEvents {
  MemberEvents NONE = new MemberEvents() { };

  /** A WAL fsync took {@code nanos}. */
  default void walFsync(long nanos) { }

  /** The apply thread's write of one batch to the store took {@code nanos}. */
  default void backendCommit(long nanos) { }

  /** A store checkpoint for a snapshot (a client's or a follower's) took {@code nanos}. */
  default void backendSnapshot(long nanos) { }

  /** One request took longer than etcd's 100 ms warn-apply-duration to apply. */
  default void slowApply() { }

  /** A proposal failed (timed out, dropped, the leader changed, the member stopped). */
  default void proposalFailed() { }

  /** Applied to the store: key-value operations of one request, counted as etcd's mvcc counts them. */
  default void kvApplied(int ranges, int puts, int deletes, boolean txn) { }

  /** A heartbeat could not be handed to a peer's stream. */
  default void heartbeatSendFailed() { }

  /** A message to a peer was lost before it reached the wire, or its stream broke. */
  default void peerSendFailed(long to) { }

  /** Bytes written to a peer's stream. */
  default void peerSent(long to, long bytes) { }

  /** Bytes read from a peer's stream. */
  default void peerReceived(long from, long bytes) { }

  /** A probe of a peer answered after {@code nanos}. */
  default void peerRoundTrip(long to, long nanos) { }
}
