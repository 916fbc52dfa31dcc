package io.cairn.server.concurrency;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.Compare;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.ResponseHeader;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.TxnResponse;
import io.cairn.proto.mvccpb.KeyValue;
import io.cairn.proto.v3lockpb.LockGrpc;
import io.cairn.proto.v3lockpb.LockRequest;
import io.cairn.proto.v3lockpb.LockResponse;
import io.cairn.proto.v3lockpb.UnlockRequest;
import io.cairn.proto.v3lockpb.UnlockResponse;
import io.cairn.server.api.EtcdErrors;
import io.cairn.server.lease.Lessor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's v3lock service: clientv3/concurrency's Mutex run inside the server. Lock puts {@code <name>/<lease hex>}
 * attached to the lease (or finds it there already), then waits until every key under {@code <name>/} created before
 * it is deleted. Before answering it checks, linearizably, that its key still exists with its create revision and
 * that the lease has not expired: the check etcd 3.4.3 lacked (Jepsen), without which a waiter whose lease expired
 * while queued was told it holds the lock. If the wait fails or the client goes away, the key is deleted.
 */
public final class LockService extends LockGrpc.LockImplBase {
  static final String SESSION_EXPIRED = "session expired";

  private final LocalKv kv;
  private final WaitDeletes waits;
  private final Sessions sessions;
  private final Lessor lessor;

  LockService(LocalKv kv, WaitDeletes waits, Sessions sessions, Lessor lessor) {
    this.kv = kv;
    this.waits = waits;
    this.sessions = sessions;
    this.lessor = lessor;
  }

  @Override
  public void lock(LockRequest req, StreamObserver<LockResponse> out) {
    CompletableFuture<Void> cancelled = Calls.cancellation(out);
    ByteString prefix = Keys.prefix(req.getName());
    sessions.lease(req.getLease())
        .thenCompose(lease -> acquire(prefix, lease, cancelled))
        .whenComplete((r, err) -> Calls.reply(out, r, err));
  }

  private CompletableFuture<LockResponse> acquire(ByteString prefix, long lease, CompletableFuture<Void> cancelled) {
    ByteString key = Keys.candidate(prefix, lease);
    TxnRequest tryAcquire = TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
            .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key).setLease(lease)))
        .addSuccess(RequestOp.newBuilder().setRequestRange(Keys.firstCreated(prefix)))
        // this lease already queued (or holds) the lock: reuse its key
        .addFailure(RequestOp.newBuilder().setRequestRange(Keys.get(key)))
        .addFailure(RequestOp.newBuilder().setRequestRange(Keys.firstCreated(prefix)))
        .build();
    return kv.txn(tryAcquire).thenCompose(resp -> {
      long myRev = resp.getSucceeded() ? resp.getHeader().getRevision()
          : resp.getResponses(0).getResponseRange().getKvs(0).getCreateRevision();
      var owner = resp.getResponses(1).getResponseRange().getKvsList();
      if (owner.isEmpty() || owner.get(0).getCreateRevision() == myRev) {
        return CompletableFuture.completedFuture(response(resp.getHeader(), key));
      }
      return waits.await(prefix, myRev - 1, cancelled)
          .thenCompose(x -> kv.range(Keys.get(key)))
          .handle((got, err) -> {
            if (err != null) {
              // etcd: release the lock key if the wait failed (also when the caller went away)
              return kv.delete(key).handle((d, e2) -> CompletableFuture.<LockResponse>failedFuture(err))
                  .thenCompose(f -> f);
            }
            KeyValue mine = got.getKvsCount() == 0 ? null : got.getKvs(0);
            if (mine == null || mine.getCreateRevision() != myRev || !lessor.isAlive(lease)) {
              return CompletableFuture.<LockResponse>failedFuture(sessionExpired());
            }
            return CompletableFuture.completedFuture(response(got.getHeader(), key));
          }).thenCompose(f -> f);
    });
  }

  private static LockResponse response(ResponseHeader header, ByteString key) {
    return LockResponse.newBuilder().setHeader(header).setKey(key).build();
  }

  static RuntimeException sessionExpired() {
    // a plain Go error in etcd (concurrency.ErrSessionExpired): gRPC code Unknown
    return Status.UNKNOWN.withDescription(SESSION_EXPIRED).asRuntimeException();
  }

  @Override
  public void unlock(UnlockRequest req, StreamObserver<UnlockResponse> out) {
    if (req.getKey().isEmpty()) {
      // etcd's client Delete of an empty key fails this way
      // etcd's lock server passes its in-process client's error through as a plain Go error: Unknown
      out.onError(io.grpc.Status.UNKNOWN.withDescription(io.cairn.server.api.EtcdErrors.KEY_NOT_PROVIDED).asRuntimeException());
      return;
    }
    kv.delete(req.getKey()).whenComplete((d, err) -> Calls.reply(out,
        d == null ? null : UnlockResponse.newBuilder().setHeader(d.getHeader()).build(), err));
  }
}
