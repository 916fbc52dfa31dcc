package io.cairn.server.lease;

import java.time.Duration;

/**
 * etcd's lessor configuration.
 *
 * @param minTtlSeconds grants below it are raised to it: {@code ceil(1.5 × election timeout)}, 2 s by default
 * @param promoteExtend added to every lease's expiry when this member becomes leader (etcd: the election timeout), so
 *     no lease expires early because of a failover
 * @param checkpointing whether the leader records remaining TTLs through raft ({@code
 *     --experimental-enable-lease-checkpoint}, feature gate {@code LeaseCheckpoint})
 * @param checkpointInterval how often a lease's remaining TTL is checkpointed (etcd: 5 min)
 * @param revokesPerSecond expired leases revoked per second at most (etcd: 1000)
 * @param expiredRetry an expired lease whose revocation did not land is proposed again after this (etcd: 3 s)
 * @param checkInterval how often the leader looks for expired leases and due checkpoints (etcd: 500 ms)
 * @param fastKeepAlive etcd 3.7's {@code FastLeaseKeepAlive} (on by default): the leader renews a lease it knows
 *     without first waiting for everything committed to be applied; it waits only when the lease is unknown, since
 *     it may be a grant not yet applied. Off, every renewal waits, as in etcd 3.4 to 3.6.
 */
public record LeaseSettings(long minTtlSeconds, Duration promoteExtend, boolean checkpointing,
    Duration checkpointInterval, int revokesPerSecond, Duration expiredRetry, Duration checkInterval,
    boolean fastKeepAlive) {

  /** etcd's defaults, derived from the raft timing flags as etcd does, with fast keep-alives on. */
  public static LeaseSettings fromFlags(long heartbeatMs, long electionMs, boolean checkpointing) {
    return fromFlags(heartbeatMs, electionMs, checkpointing, true);
  }

  /** etcd's defaults, derived from the raft timing flags as etcd does. */
  public static LeaseSettings fromFlags(long heartbeatMs, long electionMs, boolean checkpointing,
      boolean fastKeepAlive) {
    long electionTicks = Math.max(1, electionMs / heartbeatMs);
    long minTtlMs = (3 * electionTicks / 2) * heartbeatMs;
    long minTtl = (minTtlMs + 999) / 1000;
    return new LeaseSettings(minTtl, Duration.ofMillis(electionTicks * heartbeatMs), checkpointing,
        Duration.ofMinutes(5), 1000, Duration.ofSeconds(3), Duration.ofMillis(500), fastKeepAlive);
  }

  /** Revocations proposed per check at most: the per-second rate spread over the checks. */
  int revokesPerCheck() {
    long perCheck = revokesPerSecond * checkInterval.toMillis() / 1000;
    return (int) Math.max(1, perCheck);
  }
}
