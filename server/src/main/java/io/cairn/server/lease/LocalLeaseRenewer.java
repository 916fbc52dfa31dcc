package io.cairn.server.lease;

import io.cairn.server.api.EtcdErrors;
import io.cairn.server.api.MemberState;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Renewals and TTLs answered by this member's lessor when it is the leader. Without a leader the answer is
 * {@code Unavailable "etcdserver: no leader"}; on a follower (reached only when forwarding could not name the
 * leader) it is etcd's {@code FailedPrecondition "etcdserver: not leader"}, which clientv3 and jetcd retry on another
 * endpoint. In the moment between winning an election and promoting the lessor, leases are answered from their
 * granted TTL: promotion gives every lease at least that much anyway.
 */
public final class LocalLeaseRenewer implements LeaseRenewer {
  public static final String NOT_LEADER = io.cairn.server.api.EtcdErrors.NOT_LEADER;

  private final Lessor lessor;
  private final MemberState member;
  private final io.cairn.server.apply.Proposer proposer;

  public LocalLeaseRenewer(Lessor lessor, MemberState member, io.cairn.server.apply.Proposer proposer) {
    this.lessor = lessor;
    this.member = member;
    this.proposer = proposer;
  }

  /** Null when this member leads; else the error etcd answers. */
  StatusRuntimeException leaderError() {
    if (!member.hasLeader()) {
      return EtcdErrors.unavailable(EtcdErrors.NO_LEADER);
    }
    if (member.leaderId() != member.memberId()) {
      return EtcdErrors.failedPrecondition(NOT_LEADER);
    }
    return null;
  }

  /**
   * etcd's LeaseRenew on the leader. With fast keep-alives (3.7's default) a known lease is renewed at once; an
   * unknown one may be a grant committed but not yet applied here, so it is looked up again once everything
   * committed is applied. Without them every renewal waits for that first, as etcd 3.4 to 3.6 do.
   */
  @Override
  public CompletableFuture<Long> renew(long id) {
    if (!lessor.settings().fastKeepAlive()) {
      return applied().thenCompose(x -> renewNow(id));
    }
    return renewNow(id).thenCompose(ttl -> ttl >= 0 ? CompletableFuture.completedFuture(ttl)
        : applied().thenCompose(x -> renewNow(id)));
  }

  /** Waits for the apply loop only where it matters: on the leader (a follower's answer is an error anyway). */
  private CompletableFuture<Void> applied() {
    return leaderError() != null ? CompletableFuture.completedFuture(null) : proposer.applyWait();
  }

  private CompletableFuture<Long> renewNow(long id) {
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
