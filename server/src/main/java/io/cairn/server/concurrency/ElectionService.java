package io.cairn.server.concurrency;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.Compare;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.TxnResponse;
import io.cairn.proto.mvccpb.KeyValue;
import io.cairn.proto.v3electionpb.CampaignRequest;
import io.cairn.proto.v3electionpb.CampaignResponse;
import io.cairn.proto.v3electionpb.ElectionGrpc;
import io.cairn.proto.v3electionpb.LeaderKey;
import io.cairn.proto.v3electionpb.LeaderRequest;
import io.cairn.proto.v3electionpb.LeaderResponse;
import io.cairn.proto.v3electionpb.ProclaimRequest;
import io.cairn.proto.v3electionpb.ProclaimResponse;
import io.cairn.proto.v3electionpb.ResignRequest;
import io.cairn.proto.v3electionpb.ResignResponse;
import io.cairn.server.lease.Lessor;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's v3election service: clientv3/concurrency's Election run inside the server. A campaigner's key is
 * {@code <name>/<lease hex>}; the leader is the key with the lowest create revision under {@code <name>/}. Errors
 * are etcd's plain-error strings (gRPC code Unknown): {@code election: no leader}, {@code election: not leader},
 * {@code "leader" field must be provided}. Like Lock, Campaign re-checks before answering that its key and lease are
 * still alive (etcd does not; a campaigner whose lease expired while queued is told "session expired" instead of
 * being told it leads).
 */
public final class ElectionService extends ElectionGrpc.ElectionImplBase {
  static final String NO_LEADER = "election: no leader";
  static final String NOT_LEADER = "election: not leader";
  static final String MISSING_LEADER = "\"leader\" field must be provided";

  private final LocalKv kv;
  private final WaitDeletes waits;
  private final Sessions sessions;
  private final Lessor lessor;
  private final StoreWaiter waiter;

  ElectionService(LocalKv kv, WaitDeletes waits, Sessions sessions, Lessor lessor, StoreWaiter waiter) {
    this.kv = kv;
    this.waits = waits;
    this.sessions = sessions;
    this.lessor = lessor;
    this.waiter = waiter;
  }

  private static RuntimeException error(String msg) {
    return Status.UNKNOWN.withDescription(msg).asRuntimeException();
  }

  private static Compare createdAt(ByteString key, long rev) {
    return Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
        .setResult(Compare.CompareResult.EQUAL).setCreateRevision(rev).build();
  }

  @Override
  public void campaign(CampaignRequest req, StreamObserver<CampaignResponse> out) {
    CompletableFuture<Void> cancelled = Calls.cancellation(out);
    ByteString prefix = Keys.prefix(req.getName());
    sessions.lease(req.getLease())
        .thenCompose(lease -> campaign(req, prefix, lease, cancelled))
        .whenComplete((r, err) -> Calls.reply(out, r, err));
  }

  private CompletableFuture<CampaignResponse> campaign(CampaignRequest req, ByteString prefix, long lease,
      CompletableFuture<Void> cancelled) {
    ByteString key = Keys.candidate(prefix, lease);
    TxnRequest txn = TxnRequest.newBuilder().addCompare(createdAt(key, 0))
        .addSuccess(RequestOp.newBuilder().setRequestPut(
            PutRequest.newBuilder().setKey(key).setValue(req.getValue()).setLease(lease)))
        .addFailure(RequestOp.newBuilder().setRequestRange(Keys.get(key)))
        .build();
    return kv.txn(txn).thenCompose(resp -> {
      LeaderKey.Builder leader = LeaderKey.newBuilder().setName(req.getName()).setKey(key)
          .setRev(resp.getHeader().getRevision()).setLease(lease);
      CompletableFuture<?> ready = CompletableFuture.completedFuture(null);
      if (!resp.getSucceeded()) {
        KeyValue existing = resp.getResponses(0).getResponseRange().getKvs(0);
        leader.setRev(existing.getCreateRevision());
        if (!existing.getValue().equals(req.getValue())) {
          ready = proclaim(leader.build(), req.getValue()).exceptionallyCompose(
              err -> resign(leader.build()).handle((r, e2) -> CompletableFuture.<TxnResponse>failedFuture(err))
                  .thenCompose(f -> f));
        }
      }
      long rev = leader.getRev();
      return ready.thenCompose(x -> waits.await(prefix, rev - 1, cancelled))
          .exceptionallyCompose(err -> cancelled.isDone()
              // etcd resigns when the caller gave up; other failures keep the key
              ? resign(leader.build()).handle((r, e2) -> CompletableFuture.<Void>failedFuture(err)).thenCompose(f -> f)
              : CompletableFuture.failedFuture(err))
          .thenCompose(x -> kv.range(Keys.get(key)))
          .thenApply(got -> {
            if (got.getKvsCount() == 0 || got.getKvs(0).getCreateRevision() != rev || !lessor.isAlive(lease)) {
              throw LockService.sessionExpired();
            }
            return CampaignResponse.newBuilder().setHeader(resp.getHeader()).setLeader(leader).build();
          });
    });
  }

  /** Txn: if the leader key still has its create revision, put the value (with the leader's lease). */
  private CompletableFuture<TxnResponse> proclaim(LeaderKey leader, ByteString value) {
    TxnRequest txn = TxnRequest.newBuilder().addCompare(createdAt(leader.getKey(), leader.getRev()))
        .addSuccess(RequestOp.newBuilder().setRequestPut(
            PutRequest.newBuilder().setKey(leader.getKey()).setValue(value).setLease(leader.getLease())))
        .build();
    return kv.txn(txn).thenApply(r -> {
      if (!r.getSucceeded()) {
        throw error(NOT_LEADER);
      }
      return r;
    });
  }

  /** Txn: if the leader key still has its create revision, delete it; a lost leadership is not an error. */
  private CompletableFuture<TxnResponse> resign(LeaderKey leader) {
    return kv.txn(TxnRequest.newBuilder().addCompare(createdAt(leader.getKey(), leader.getRev()))
        .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(
            DeleteRangeRequest.newBuilder().setKey(leader.getKey())))
        .build());
  }

  @Override
  public void proclaim(ProclaimRequest req, StreamObserver<ProclaimResponse> out) {
    if (!req.hasLeader()) {
      Calls.reply(out, null, error(MISSING_LEADER));
      return;
    }
    proclaim(req.getLeader(), req.getValue()).whenComplete((r, err) -> Calls.reply(out,
        r == null ? null : ProclaimResponse.newBuilder().setHeader(r.getHeader()).build(), err));
  }

  @Override
  public void resign(ResignRequest req, StreamObserver<ResignResponse> out) {
    if (!req.hasLeader()) {
      Calls.reply(out, null, error(MISSING_LEADER));
      return;
    }
    resign(req.getLeader()).whenComplete((r, err) -> Calls.reply(out,
        r == null ? null : ResignResponse.newBuilder().setHeader(r.getHeader()).build(), err));
  }

  @Override
  public void leader(LeaderRequest req, StreamObserver<LeaderResponse> out) {
    kv.range(Keys.firstCreated(Keys.prefix(req.getName()))).whenComplete((r, err) -> {
      if (err == null && r.getKvsCount() == 0) {
        err = error(NO_LEADER);
      }
      Calls.reply(out, err != null ? null
          : LeaderResponse.newBuilder().setHeader(r.getHeader()).setKv(r.getKvs(0)).build(), err);
    });
  }

  @Override
  public void observe(LeaderRequest req, StreamObserver<LeaderResponse> out) {
    new LeaderObserver(kv, waiter, Keys.prefix(req.getName()), (ServerCallStreamObserver<LeaderResponse>) out)
        .start();
  }
}
