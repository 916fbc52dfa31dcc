package io.cairn.server.lease;

import io.cairn.server.api.EtcdErrors;
import io.cairn.server.api.MemberState;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Renewals and TTLs answered by this member's lessor when it is the leader. Without a leader the answer is
 * {@code Unavailable "etcdserver: no leader"}; on a follower (no forwarding yet) it is etcd's {@code FailedPrecondition
 * "etcdserver: not leader"}, which clientv3 and jetcd retry on another endpoint. In the moment between winning an
 * election and promoting the lessor, leases are answered from their granted TTL: promotion gives every lease at least
 * that much anyway.
 */
public final class LocalLeaseRenewer implements LeaseRenewer {
  public static final String NOT_LEADER = io.cairn.server.api.EtcdErrors.NOT_LEADER;

  private final Lessor lessor;
  private final MemberState member;

  public LocalLeaseRenewer(Lessor lessor, MemberState member) {
    this.lessor = lessor;
    this.member = member;
  }

  /** Null when this member leads; else the error etcd answers (until requests are forwarded). */
  StatusRuntimeException leaderError() {
    if (!member.hasLeader()) {
      return EtcdErrors.unavailable(EtcdErrors.NO_LEADER);
    }
    if (member.leaderId() != member.memberId()) {
      return EtcdErrors.failedPrecondition(NOT_LEADER);
    }
    return null;
  }

  @Override
  public CompletableFuture<Long> renew(long id) {
    StatusRuntimeException e = leaderError();
    if (e != null) {
      return CompletableFuture.failedFuture(e);
    }
    return lessor.renew(id).exceptionallyCompose(err -> {
      Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
      if (cause instanceof NotPrimaryException) {
        StatusRuntimeException lost = leaderError();
        if (lost != null) {
          return CompletableFuture.failedFuture(lost);
        }
        Lessor.TimeToLive t = lessor.timeToLive(id); // leader, lessor about to be promoted
        return CompletableFuture.completedFuture(t == null ? -1L : t.grantedTtl());
      }
      return CompletableFuture.failedFuture(cause);
    });
  }

  @Override
  public CompletableFuture<Lessor.TimeToLive> timeToLive(long id) {
    StatusRuntimeException e = leaderError();
    if (e != null) {
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.completedFuture(lessor.timeToLive(id));
  }
}
