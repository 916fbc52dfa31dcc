package io.cairn.server.lease;

import io.cairn.proto.etcdserverpb.LeaseGrantRequest;
import io.cairn.proto.etcdserverpb.LeaseGrantResponse;
import io.cairn.proto.etcdserverpb.LeaseRevokeRequest;
import io.cairn.proto.etcdserverpb.LeaseRevokeResponse;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.server.apply.Proposer;
import io.cairn.storage.mvcc.MvccException;
import io.cairn.storage.mvcc.MvccStore;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;

/**
 * Grants and revokes through raft, as etcd's server does before proposing: a zero id is replaced by a fresh
 * server-chosen one, a TTL below the minimum is raised to it, a TTL above the maximum is refused. The store applies
 * the rest (an existing id fails with "lease already exists", an unknown one on revoke with "requested lease not
 * found"). Responses carry only header.revision; callers fill the header.
 */
public final class LeaseGrants {
  private final Proposer proposer;
  private final Lessor lessor;
  private final LeaseIds ids;

  public LeaseGrants(Proposer proposer, Lessor lessor, LeaseIds ids) {
    this.proposer = proposer;
    this.lessor = lessor;
    this.ids = ids;
  }

  public CompletableFuture<LeaseGrantResponse> grant(long requestedId, long ttl) {
    if (ttl > MvccStore.MAX_LEASE_TTL) {
      return CompletableFuture.failedFuture(
          Status.OUT_OF_RANGE.withDescription(MvccException.LEASE_TTL_TOO_LARGE).asRuntimeException());
    }
    long id = requestedId != 0 ? requestedId : ids.next(lessor::exists);
    long granted = Math.max(ttl, lessor.settings().minTtlSeconds());
    InternalRequest req = InternalRequest.newBuilder()
        .setLeaseGrant(LeaseGrantRequest.newBuilder().setID(id).setTTL(granted)).build();
    return proposer.propose(req).thenApply(LeaseGrantResponse.class::cast);
  }

  public CompletableFuture<LeaseRevokeResponse> revoke(long id) {
    return revoke(id, null);
  }

  /** A client's revoke: {@code auth} names it for the apply-time check of the lease's keys (null: this member). */
  public CompletableFuture<LeaseRevokeResponse> revoke(long id, io.cairn.proto.serverpb.RequestAuth auth) {
    InternalRequest.Builder b = InternalRequest.newBuilder().setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(id));
    if (auth != null) {
      b.setAuth(auth);
    }
    InternalRequest req = b.build();
    return proposer.propose(req).thenApply(LeaseRevokeResponse.class::cast);
  }
}
