package io.cairn.raft;

/** The single exception type of the raft core; {@link #code()} says what went wrong. */
public final class RaftException extends RuntimeException {
  /** Error codes, mirroring the sentinel errors of etcd-io/raft. */
  public enum Code {
    /** Proposal not accepted: no leader known, a leader transfer is running, or this node was removed. */
    PROPOSAL_DROPPED,
    /** The requested index is below the storage's first index (compacted away). */
    COMPACTED,
    /** The requested index is above the storage's last index. */
    UNAVAILABLE,
    /** A snapshot older than the current one was offered. */
    SNAP_OUT_OF_DATE,
    /** Storage cannot produce a snapshot right now; raft retries later. */
    SNAPSHOT_TEMPORARILY_UNAVAILABLE,
    /** A local-only message (MsgHup, MsgBeat, ...) was passed to step(). */
    STEP_LOCAL_MSG,
    /** A response message came from a node not in the configuration. */
    STEP_PEER_NOT_FOUND,
    /** The configuration or a configuration change is invalid. */
    INVALID_CONFIG,
    /** The caller violated the RawNode protocol (e.g. ready() twice without advance()). */
    ILLEGAL_STATE
  }

  private final Code code;

  public RaftException(Code code, String message) {
    super(code + ": " + message);
    this.code = code;
  }

  public Code code() {
    return code;
  }
}
