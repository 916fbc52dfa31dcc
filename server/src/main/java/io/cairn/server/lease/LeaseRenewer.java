package io.cairn.server.lease;

import java.util.concurrent.CompletableFuture;

/**
 * The calls only the leader's lessor can answer, because only it knows when leases expire: renewal (KeepAlive) and
 * the remaining TTL (TimeToLive). In etcd a follower forwards both to the leader over HTTP; here the leader answers
 * locally ({@link LocalLeaseRenewer}), and forwarding plugs in behind this interface when clustering lands.
 * Futures fail with a gRPC {@link io.grpc.StatusRuntimeException} carrying etcd's code and message.
 */
public interface LeaseRenewer {
  /** Renews the lease: its granted TTL, or -1 if it does not exist (or expired and was revoked). */
  CompletableFuture<Long> renew(long id);

  /** The lease's granted and remaining TTL, or null if it does not exist. */
  CompletableFuture<Lessor.TimeToLive> timeToLive(long id);
}
