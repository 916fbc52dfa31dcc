package io.cairn.server.lease;

import java.util.concurrent.CompletableFuture;

/**
 * The calls only the leader's lessor can answer, because only it knows when leases expire: renewal (KeepAlive) and
 * the remaining TTL (TimeToLive). The leader answers locally ({@link LocalLeaseRenewer}); a follower forwards both to
 * the leader over the peer port ({@link ForwardingLeaseRenewer}), as etcd does over HTTP.
 * Futures fail with a gRPC {@link io.grpc.StatusRuntimeException} carrying etcd's code and message.
 */
public interface LeaseRenewer {
  /** Renews the lease: its granted TTL, or -1 if it does not exist (or expired and was revoked). */
  CompletableFuture<Long> renew(long id);

  /** The lease's granted and remaining TTL, or null if it does not exist. */
  CompletableFuture<Lessor.TimeToLive> timeToLive(long id);
}
