package io.cairn.server.raft;

/**
 * How a member that cannot go on ends its process. etcd panics on a failed WAL write or apply (exit non-zero) and
 * exits with status 0 once it has applied its own removal from the cluster; never does it keep half-running. Tests
 * inject one that records the call instead.
 */
@FunctionalInterface
public interface MemberStop {
  /**
   * @param exitCode the process's exit status (non-zero for a failure)
   * @param reason what an operator reads in the log
   * @param cause the failure, or null
   */
  void stop(int exitCode, String reason, Throwable cause);
}
