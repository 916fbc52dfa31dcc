package io.cairn.server.concurrency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.LeaseGrantRequest;
import io.cairn.proto.etcdserverpb.LeaseGrpc;
import io.cairn.proto.etcdserverpb.LeaseRevokeRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.v3lockpb.LockGrpc;
import io.cairn.proto.v3lockpb.LockRequest;
import io.cairn.proto.v3lockpb.LockResponse;
import io.cairn.proto.v3lockpb.UnlockRequest;
import io.cairn.server.InProcessServer;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** v3lock in-process: key shape, queueing in create order, the lease re-check, cleanup of abandoned waiters. */
class LockServiceTest {
  @TempDir Path dir;
  InProcessServer server;
  LockGrpc.LockBlockingStub lock;
  LockGrpc.LockFutureStub async;
  LeaseGrpc.LeaseBlockingStub lease;
  KVGrpc.KVBlockingStub kv;

  @BeforeEach
  void start() throws Exception {
    server = new InProcessServer(dir, "--election-timeout", "1000");
    lock = LockGrpc.newBlockingStub(server.channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    async = LockGrpc.newFutureStub(server.channel);
    lease = LeaseGrpc.newBlockingStub(server.channel);
    kv = KVGrpc.newBlockingStub(server.channel);
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  long grant(long ttl) {
    return lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build()).getID();
  }

  LockRequest req(String name, long leaseId) {
    return LockRequest.newBuilder().setName(bs(name)).setLease(leaseId).build();
  }

  long keys(String prefix) {
    return kv.range(RangeRequest.newBuilder().setKey(bs(prefix)).setRangeEnd(bs(prefix + "\uffff")).build())
        .getCount();
  }

  @Test
  void uncontendedLockReturnsTheLeaseKeyAndTheTxnHeader() {
    long l = grant(60);
    LockResponse r = lock.lock(req("mylock", l));
    assertThat(r.getKey()).isEqualTo(bs("mylock/" + Long.toHexString(l)));
    assertThat(r.getHeader().getRevision()).isEqualTo(2);
    assertThat(r.getHeader().getMemberId()).isNotZero();
    // the same lease locking again reuses its key (clientv3 Mutex semantics)
    assertThat(lock.lock(req("mylock", l)).getKey()).isEqualTo(r.getKey());
    lock.unlock(UnlockRequest.newBuilder().setKey(r.getKey()).build());
    assertThat(keys("mylock/")).isZero();
  }

  @Test
  void waitersGetTheLockInCreateOrder() throws Exception {
    long a = grant(60);
    long b = grant(60);
    long c = grant(60);
    LockResponse first = lock.lock(req("q", a));
    ListenableFuture<LockResponse> second = async.lock(req("q", b));
    await().atMost(Duration.ofSeconds(10)).until(() -> keys("q/") == 2);
    ListenableFuture<LockResponse> third = async.lock(req("q", c));
    await().atMost(Duration.ofSeconds(10)).until(() -> keys("q/") == 3);
    assertThat(second.isDone()).isFalse();
    lock.unlock(UnlockRequest.newBuilder().setKey(first.getKey()).build());
    assertThat(second.get(10, TimeUnit.SECONDS).getKey()).isEqualTo(bs("q/" + Long.toHexString(b)));
    assertThat(third.isDone()).isFalse();
    // the holder's lease goes away: its key goes with it and the next waiter gets the lock
    lease.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(b).build());
    assertThat(third.get(10, TimeUnit.SECONDS).getKey()).isEqualTo(bs("q/" + Long.toHexString(c)));
  }

  @Test
  void aWaiterWhoseLeaseIsGoneIsNotToldItHoldsTheLock() throws Exception {
    long holder = grant(60);
    long waiter = grant(60);
    LockResponse held = lock.lock(req("j", holder));
    ListenableFuture<LockResponse> waiting = async.lock(req("j", waiter));
    await().atMost(Duration.ofSeconds(10)).until(() -> keys("j/") == 2);
    lease.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(waiter).build()); // while queued
    lock.unlock(UnlockRequest.newBuilder().setKey(held.getKey()).build());
    assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
          assertThat(e.getStatus().getDescription()).isEqualTo("session expired");
        });
  }

  @Test
  void anExpiringHolderReleasesTheLockWithoutUnlock() throws Exception {
    long shortLived = grant(2);
    long next = grant(60);
    lock.lock(req("exp", shortLived));
    ListenableFuture<LockResponse> waiting = async.lock(req("exp", next));
    assertThat(waiting.get(15, TimeUnit.SECONDS).getKey()).isEqualTo(bs("exp/" + Long.toHexString(next)));
  }

  @Test
  void anAbandonedWaiterRemovesItsKey() {
    long a = grant(60);
    long b = grant(60);
    lock.lock(req("c", a));
    Context.CancellableContext ctx = Context.current().withCancellation();
    ctx.run(() -> async.lock(req("c", b)));
    await().atMost(Duration.ofSeconds(10)).until(() -> keys("c/") == 2);
    ctx.cancel(null);
    await().atMost(Duration.ofSeconds(10)).until(() -> keys("c/") == 1);
  }

  @Test
  void unknownLeaseAndLeaseZero() {
    assertThatThrownBy(() -> lock.lock(req("u", 424242))).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
      assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: requested lease not found");
    });
    LockResponse r = lock.lock(req("z", 0)); // etcd grants a 60 s session lease
    assertThat(r.getKey().toStringUtf8()).startsWith("z/");
    long id = Long.parseLong(r.getKey().toStringUtf8().substring(2), 16);
    assertThat(lease.leaseTimeToLive(io.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest.newBuilder().setID(id).build())
        .getGrantedTTL()).isEqualTo(60);
  }
}
