package io.cairn.server.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.LeaseGrantRequest;
import io.cairn.proto.etcdserverpb.LeaseGrantResponse;
import io.cairn.proto.etcdserverpb.LeaseGrpc;
import io.cairn.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.cairn.proto.etcdserverpb.LeaseKeepAliveResponse;
import io.cairn.proto.etcdserverpb.LeaseLeasesRequest;
import io.cairn.proto.etcdserverpb.LeaseRevokeRequest;
import io.cairn.proto.etcdserverpb.LeaseStatus;
import io.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.server.InProcessServer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Lease service in-process over gRPC: etcd's answers, codes and messages (reference 3.8, 3.11). */
class LeaseServiceTest {
  @TempDir Path dir;
  InProcessServer server;
  LeaseGrpc.LeaseBlockingStub lease;
  KVGrpc.KVBlockingStub kv;

  @BeforeEach
  void start() throws Exception {
    server = new InProcessServer(dir, "--election-timeout", "1000");
    lease = LeaseGrpc.newBlockingStub(server.channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    kv = KVGrpc.newBlockingStub(server.channel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  LeaseGrantResponse grant(long id, long ttl) {
    return lease.leaseGrant(LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl).build());
  }

  void put(String k, long leaseId) {
    kv.put(PutRequest.newBuilder().setKey(bs(k)).setValue(bs("v")).setLease(leaseId).build());
  }

  boolean exists(String k) {
    return kv.range(RangeRequest.newBuilder().setKey(bs(k)).build()).getCount() == 1;
  }

  LeaseTimeToLiveResponse ttl(long id, boolean keys) {
    return lease.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(keys).build());
  }

  static void fails(Runnable call, Status.Code code, String message) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).isEqualTo(message);
    });
  }

  @Test
  void grantPicksPositiveIdsRaisesShortTtlsAndReportsErrorsAsEtcd() {
    LeaseGrantResponse g = grant(0, 1);
    assertThat(g.getID()).isPositive();
    assertThat(g.getTTL()).isEqualTo(2); // ceil(1.5 × 1 s election timeout)
    assertThat(g.getHeader().getMemberId()).isNotZero();
    assertThat(g.getHeader().getRevision()).isEqualTo(1); // a grant does not bump the revision
    assertThat(grant(0, 0).getTTL()).isEqualTo(2);
    assertThat(grant(0, 30).getID()).isNotEqualTo(g.getID());

    assertThat(grant(0x1234, 60).getID()).isEqualTo(0x1234);
    fails(() -> grant(0x1234, 60), Status.Code.FAILED_PRECONDITION, "etcdserver: lease already exists");
    fails(() -> grant(0, 9_000_000_001L), Status.Code.OUT_OF_RANGE, "etcdserver: too large lease TTL");
    fails(() -> lease.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(99).build()), Status.Code.NOT_FOUND,
        "etcdserver: requested lease not found");
    fails(() -> put("k", 99), Status.Code.NOT_FOUND, "etcdserver: requested lease not found");
  }

  @Test
  void timeToLiveLeasesAndKeys() {
    long id = grant(0, 600).getID();
    put("b", id);
    put("a", id);
    LeaseTimeToLiveResponse t = ttl(id, true);
    assertThat(t.getID()).isEqualTo(id);
    assertThat(t.getGrantedTTL()).isEqualTo(600);
    assertThat(t.getTTL()).isBetween(590L, 600L);
    assertThat(t.getKeysList()).containsExactly(bs("a"), bs("b"));
    assertThat(ttl(id, false).getKeysList()).isEmpty();

    LeaseTimeToLiveResponse unknown = ttl(12345, true);
    assertThat(unknown.getTTL()).isEqualTo(-1); // etcd: no error
    assertThat(unknown.getID()).isEqualTo(12345);
    assertThat(unknown.getHeader().getRevision()).isPositive();

    long other = grant(0, 30).getID();
    // by expiry once this member's lessor is promoted (a new leader's lessor is promoted just after the election,
    // and grants may be applied before; until then the order is by id)
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(lease.leaseLeases(LeaseLeasesRequest.getDefaultInstance()).getLeasesList())
            .extracting(LeaseStatus::getID).containsExactly(other, id));
  }

  @Test
  void revokeDeletesTheAttachedKeysInOneRevision() {
    long id = grant(0, 600).getID();
    put("x", id);
    put("y", id);
    put("z", 0);
    long before = kv.range(RangeRequest.newBuilder().setKey(bs("z")).build()).getHeader().getRevision();
    long after = lease.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build()).getHeader().getRevision();
    assertThat(after).isEqualTo(before + 1);
    assertThat(exists("x")).isFalse();
    assertThat(exists("y")).isFalse();
    assertThat(exists("z")).isTrue();
    assertThat(ttl(id, false).getTTL()).isEqualTo(-1);
  }

  @Test
  void keepAliveAnswersTheGrantedTtlAndZeroForUnknownLeases() throws Exception {
    long id = grant(0, 45).getID();
    LinkedBlockingQueue<LeaseKeepAliveResponse> got = new LinkedBlockingQueue<>();
    StreamObserver<LeaseKeepAliveRequest> stream = LeaseGrpc.newStub(server.channel)
        .leaseKeepAlive(new StreamObserver<>() {
          @Override
          public void onNext(LeaseKeepAliveResponse r) {
            got.add(r);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
    stream.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
    stream.onNext(LeaseKeepAliveRequest.newBuilder().setID(777).build());
    stream.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
    LeaseKeepAliveResponse a = got.poll(10, TimeUnit.SECONDS);
    LeaseKeepAliveResponse b = got.poll(10, TimeUnit.SECONDS);
    LeaseKeepAliveResponse c = got.poll(10, TimeUnit.SECONDS);
    assertThat(a.getID()).isEqualTo(id);
    assertThat(a.getTTL()).isEqualTo(45);
    assertThat(a.getHeader().getClusterId()).isNotZero();
    assertThat(b.getID()).isEqualTo(777);
    assertThat(b.getTTL()).isZero();
    assertThat(c.getTTL()).isEqualTo(45);
    stream.onCompleted();
  }

  @Test
  void anUnrenewedLeaseExpiresWithinItsTtlPlusABoundedMargin() {
    long id = grant(0, 2).getID();
    put("ephemeral", id);
    long start = System.nanoTime();
    // TTL 2 s; if the lease was granted before this member's lessor was promoted, + 1 s; checks every 500 ms
    await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(50)).until(() -> !exists("ephemeral"));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(tookMs).isGreaterThanOrEqualTo(1500); // not early (grant happened just before start)
    assertThat(ttl(id, false).getTTL()).isEqualTo(-1);
  }

  @Test
  void leasesAndAttachmentsSurviveARestart() throws Exception {
    long id = grant(0, 600).getID();
    put("kept", id);
    server.close();
    server = new InProcessServer(dir, "--election-timeout", "1000");
    lease = LeaseGrpc.newBlockingStub(server.channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    kv = KVGrpc.newBlockingStub(server.channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    LeaseTimeToLiveResponse t = ttl(id, true);
    assertThat(t.getGrantedTTL()).isEqualTo(600);
    assertThat(t.getTTL()).isBetween(595L, 601L); // a restart renews: TTL + election timeout from promotion
    assertThat(t.getKeysList()).containsExactly(bs("kept"));
    lease.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build());
    assertThat(exists("kept")).isFalse();
  }
}
