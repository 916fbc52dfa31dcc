package io.cairn.server.lease;

import io.cairn.proto.etcdserverpb.LeaseGrantRequest;
import io.cairn.proto.etcdserverpb.LeaseGrantResponse;
import io.cairn.proto.etcdserverpb.LeaseGrpc;
import io.cairn.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.cairn.proto.etcdserverpb.LeaseKeepAliveResponse;
import io.cairn.proto.etcdserverpb.LeaseLeasesRequest;
import io.cairn.proto.etcdserverpb.LeaseLeasesResponse;
import io.cairn.proto.etcdserverpb.LeaseRevokeRequest;
import io.cairn.proto.etcdserverpb.LeaseRevokeResponse;
import io.cairn.proto.etcdserverpb.LeaseStatus;
import io.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse;
import io.cairn.server.api.EtcdErrors;
import io.cairn.server.api.Headers;
import io.cairn.server.apply.Proposer;
import io.cairn.storage.mvcc.MvccStore;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.cairn.server.auth.AuthInfo;
import io.cairn.server.auth.AuthStore;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's Lease service ({@code v3rpc/lease.go}): Grant and Revoke go through raft; KeepAlive and TimeToLive are
 * answered by the leader's lessor ({@link LeaseRenewer}, not through raft, as in etcd); Leases lists the lessor's
 * leases. etcd's quirks are kept: KeepAlive of an unknown or expired lease answers TTL 0 (not an error), TimeToLive of
 * an unknown lease answers TTL -1.
 */
public final class LeaseService extends LeaseGrpc.LeaseImplBase {
  private final LeaseGrants grants;
  private final LeaseRenewer renewer;
  private final Lessor lessor;
  private final MvccStore store;
  private final Proposer proposer;
  private final Headers headers;
  private final io.cairn.server.apply.Admission admission;
  private final AuthStore auth;

  public LeaseService(LeaseGrants grants, LeaseRenewer renewer, Lessor lessor, MvccStore store, Proposer proposer,
      Headers headers, io.cairn.server.apply.Admission admission, AuthStore auth) {
    this.admission = admission;
    this.auth = auth;
    this.grants = grants;
    this.renewer = renewer;
    this.lessor = lessor;
    this.store = store;
    this.proposer = proposer;
    this.headers = headers;
  }

  @Override
  public void leaseGrant(LeaseGrantRequest req, StreamObserver<LeaseGrantResponse> out) {
    try {
      auth.requireUser(auth.caller());
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
      return;
    }
    admission.admit(req).thenCompose(ok -> grants.grant(req.getID(), req.getTTL())).whenComplete((r, err) -> {
      if (err != null) {
        out.onError(EtcdErrors.toStatus(err));
      } else {
        reply(out, r.toBuilder().setHeader(headers.at(r.getHeader().getRevision())).build());
      }
    });
  }

  @Override
  public void leaseRevoke(LeaseRevokeRequest req, StreamObserver<LeaseRevokeResponse> out) {
    AuthInfo ai;
    try {
      ai = auth.caller();
      auth.requireUser(ai);
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
      return;
    }
    // write permission on the lease's keys is checked when applied (etcd's checkLeasePuts)
    grants.revoke(req.getID(), AuthStore.header(ai)).whenComplete((r, err) -> {
      if (err != null) {
        out.onError(EtcdErrors.toStatus(err));
      } else {
        reply(out, r.toBuilder().setHeader(headers.at(r.getHeader().getRevision())).build());
      }
    });
  }

  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(StreamObserver<LeaseKeepAliveResponse> out) {
    return new KeepAliveStream((ServerCallStreamObserver<LeaseKeepAliveResponse>) out);
  }

  /** One KeepAlive stream: renewals are answered in request order, one at a time. */
  private final class KeepAliveStream implements StreamObserver<LeaseKeepAliveRequest> {
    private final ServerCallStreamObserver<LeaseKeepAliveResponse> out;
    /** Completes when every request received so far is answered; touched only by gRPC's serialized callbacks. */
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    private volatile boolean done;

    KeepAliveStream(ServerCallStreamObserver<LeaseKeepAliveResponse> out) {
      this.out = out;
      out.setOnCancelHandler(() -> done = true);
    }

    @Override
    public void onNext(LeaseKeepAliveRequest req) {
      long id = req.getID();
      try {
        checkRenew(id); // on the call's thread: the caller's credentials are in its Context here
      } catch (RuntimeException e) {
        tail = tail.thenRun(() -> answer(id, null, e));
        return;
      }
      tail = tail.thenCompose(x -> done ? CompletableFuture.completedFuture(null)
          : renewer.renew(id).handle((ttl, err) -> {
            answer(id, ttl, err);
            return null;
          }));
    }

    private void answer(long id, Long ttl, Throwable err) {
      if (done) {
        return;
      }
      if (err != null) {
        done = true;
        out.onError(EtcdErrors.toStatus(err));
        return;
      }
      // etcd: an unknown (or expired and revoked) lease is TTL 0, not an error
      out.onNext(LeaseKeepAliveResponse.newBuilder().setHeader(headers.current()).setID(id)
          .setTTL(Math.max(ttl, 0)).build());
    }

    @Override
    public void onError(Throwable t) {
      done = true;
    }

    @Override
    public void onCompleted() {
      tail = tail.thenRun(() -> {
        if (!done) {
          done = true;
          out.onCompleted();
        }
      });
    }
  }

  /** etcd's checkLeaseRenew: with auth on, a user who may write every key of the lease (root may renew any). */
  private void checkRenew(long id) {
    if (!auth.enabled()) {
      return;
    }
    AuthInfo ai = auth.caller();
    auth.requireUser(ai);
    long rev = auth.revision();
    auth.checkWriteAll(ai, store.leaseKeys(id));
    if (rev != auth.revision()) {
      throw EtcdErrors.auth(EtcdErrors.AUTH_OLD_REVISION);
    }
  }

  @Override
  public void leaseTimeToLive(LeaseTimeToLiveRequest req, StreamObserver<LeaseTimeToLiveResponse> out) {
    AuthInfo ai;
    long checkedRev;
    try {
      ai = auth.caller();
      auth.requireUser(ai);
      checkedRev = auth.revision();
      if (req.getKeys()) {
        auth.checkReadAll(ai, store.leaseKeys(req.getID())); // etcd checks only when keys are asked for
      }
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
      return;
    }
    // etcd waits until the leader has applied what it committed, so a lease just granted elsewhere is known
    proposer.readBarrier().thenCompose(x -> renewer.timeToLive(req.getID())).whenComplete((t, err) -> {
      if (err != null) {
        out.onError(EtcdErrors.toStatus(err));
        return;
      }
      LeaseTimeToLiveResponse.Builder r = LeaseTimeToLiveResponse.newBuilder().setHeader(headers.current())
          .setID(req.getID());
      if (t == null) {
        r.setTTL(-1);
      } else {
        r.setTTL(t.remainingSeconds()).setGrantedTTL(t.grantedTtl());
        if (req.getKeys()) {
          r.addAllKeys(store.leaseKeys(req.getID()));
        }
      }
      if (req.getKeys() && auth.enabled() && checkedRev != auth.revision()) {
        out.onError(EtcdErrors.auth(EtcdErrors.AUTH_OLD_REVISION));
        return;
      }
      reply(out, r.build());
    });
  }

  @Override
  public void leaseLeases(LeaseLeasesRequest req, StreamObserver<LeaseLeasesResponse> out) {
    try {
      // etcd's checkLeaseLeases: root, or read on every key of every lease
      AuthInfo ai = auth.caller();
      auth.requireUser(ai);
      long rev = auth.revision();
      for (long id : lessor.leaseIds()) {
        auth.checkReadAll(ai, store.leaseKeys(id));
      }
      if (auth.enabled() && rev != auth.revision()) {
        throw EtcdErrors.auth(EtcdErrors.AUTH_OLD_REVISION);
      }
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
      return;
    }
    LeaseLeasesResponse.Builder r = LeaseLeasesResponse.newBuilder().setHeader(headers.current());
    for (long id : lessor.leaseIds()) {
      r.addLeases(LeaseStatus.newBuilder().setID(id));
    }
    reply(out, r.build());
  }

  private static <R> void reply(StreamObserver<R> out, R r) {
    out.onNext(r);
    out.onCompleted();
  }
}
