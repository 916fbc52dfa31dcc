package io.cairn.server.concurrency;

import io.cairn.proto.etcdserverpb.LeaseGrantResponse;
import io.cairn.server.lease.LeaseGrants;
import java.util.concurrent.CompletableFuture;

/**
 * The lease of a Lock or Campaign call, as etcd's server-side {@code concurrency.NewSession(WithLease(id))}: the given
 * lease, or for lease 0 a fresh lease with the session default TTL of 60 s. etcd orphans the session at once (no
 * keep-alive from the server), so such a lease simply expires unless the client keeps it alive.
 */
final class Sessions {
  static final long DEFAULT_TTL = 60;

  private final LeaseGrants grants;

  Sessions(LeaseGrants grants) {
    this.grants = grants;
  }

  CompletableFuture<Long> lease(long requested) {
    if (requested != 0) {
      return CompletableFuture.completedFuture(requested);
    }
    return grants.grant(0, DEFAULT_TTL).thenApply(LeaseGrantResponse::getID);
  }
}
