package io.cairn.server.concurrency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.LeaseGrantRequest;
import io.cairn.proto.etcdserverpb.LeaseGrpc;
import io.cairn.proto.v3electionpb.CampaignRequest;
import io.cairn.proto.v3electionpb.CampaignResponse;
import io.cairn.proto.v3electionpb.ElectionGrpc;
import io.cairn.proto.v3electionpb.LeaderKey;
import io.cairn.proto.v3electionpb.LeaderRequest;
import io.cairn.proto.v3electionpb.LeaderResponse;
import io.cairn.proto.v3electionpb.ProclaimRequest;
import io.cairn.proto.v3electionpb.ResignRequest;
import io.cairn.server.InProcessServer;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** v3election in-process: campaign, proclaim, leader, resign, observe, and etcd's error strings. */
class ElectionServiceTest {
  @TempDir Path dir;
  InProcessServer server;
  ElectionGrpc.ElectionBlockingStub election;
  ElectionGrpc.ElectionFutureStub async;
  LeaseGrpc.LeaseBlockingStub lease;

  @BeforeEach
  void start() throws Exception {
    server = new InProcessServer(dir, "--election-timeout", "1000");
    election = ElectionGrpc.newBlockingStub(server.channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    async = ElectionGrpc.newFutureStub(server.channel);
    lease = LeaseGrpc.newBlockingStub(server.channel);
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

  CampaignRequest campaign(String name, long leaseId, String value) {
    return CampaignRequest.newBuilder().setName(bs(name)).setLease(leaseId).setValue(bs(value)).build();
  }

  LeaderResponse leader(String name) {
    return election.leader(LeaderRequest.newBuilder().setName(bs(name)).build());
  }

  static void fails(Runnable call, Status.Code code, String message) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).isEqualTo(message);
    });
  }

  @Test
  void campaignProclaimLeaderResignAndEtcdsErrors() throws Exception {
    fails(() -> leader("e"), Status.Code.UNKNOWN, "election: no leader");
    long a = grant(60);
    CampaignResponse won = election.campaign(campaign("e", a, "alpha"));
    LeaderKey key = won.getLeader();
    assertThat(key.getName()).isEqualTo(bs("e"));
    assertThat(key.getKey()).isEqualTo(bs("e/" + Long.toHexString(a)));
    assertThat(key.getLease()).isEqualTo(a);
    assertThat(key.getRev()).isEqualTo(won.getHeader().getRevision());
    assertThat(leader("e").getKv().getValue()).isEqualTo(bs("alpha"));

    election.proclaim(ProclaimRequest.newBuilder().setLeader(key).setValue(bs("beta")).build());
    assertThat(leader("e").getKv().getValue()).isEqualTo(bs("beta"));
    fails(() -> election.proclaim(ProclaimRequest.newBuilder().setLeader(key.toBuilder().setRev(key.getRev() + 100))
        .setValue(bs("x")).build()), Status.Code.UNKNOWN, "election: not leader");
    fails(() -> election.proclaim(ProclaimRequest.getDefaultInstance()), Status.Code.UNKNOWN,
        "\"leader\" field must be provided");
    fails(() -> election.resign(ResignRequest.getDefaultInstance()), Status.Code.UNKNOWN,
        "\"leader\" field must be provided");

    long b = grant(60);
    ListenableFuture<CampaignResponse> second = async.campaign(campaign("e", b, "gamma"));
    election.resign(ResignRequest.newBuilder().setLeader(key).build());
    assertThat(second.get(10, TimeUnit.SECONDS).getLeader().getKey()).isEqualTo(bs("e/" + Long.toHexString(b)));
    assertThat(leader("e").getKv().getValue()).isEqualTo(bs("gamma"));
    // resigning an old leadership again is not an error
    election.resign(ResignRequest.newBuilder().setLeader(key).build());
  }

  @Test
  void campaigningAgainWithTheSameLeaseUpdatesTheValue() {
    long a = grant(60);
    LeaderKey first = election.campaign(campaign("same", a, "v1")).getLeader();
    LeaderKey again = election.campaign(campaign("same", a, "v2")).getLeader();
    assertThat(again.getRev()).isEqualTo(first.getRev());
    assertThat(leader("same").getKv().getValue()).isEqualTo(bs("v2"));
  }

  @Test
  void observeStreamsTheLeaderAndEveryChange() throws Exception {
    LinkedBlockingQueue<LeaderResponse> seen = new LinkedBlockingQueue<>();
    Context.CancellableContext ctx = Context.current().withCancellation();
    ctx.run(() -> ElectionGrpc.newStub(server.channel).observe(LeaderRequest.newBuilder().setName(bs("o")).build(),
        new StreamObserver<>() {
          @Override
          public void onNext(LeaderResponse r) {
            seen.add(r);
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        }));
    long a = grant(60);
    long b = grant(60);
    LeaderKey ka = election.campaign(campaign("o", a, "first")).getLeader();
    assertThat(seen.poll(10, TimeUnit.SECONDS).getKv().getValue()).isEqualTo(bs("first"));
    election.proclaim(ProclaimRequest.newBuilder().setLeader(ka).setValue(bs("second")).build());
    assertThat(seen.poll(10, TimeUnit.SECONDS).getKv().getValue()).isEqualTo(bs("second"));
    ListenableFuture<CampaignResponse> next = async.campaign(campaign("o", b, "third"));
    election.resign(ResignRequest.newBuilder().setLeader(ka).build());
    next.get(10, TimeUnit.SECONDS);
    LeaderResponse r = seen.poll(10, TimeUnit.SECONDS);
    assertThat(r.getKv().getKey()).isEqualTo(bs("o/" + Long.toHexString(b)));
    assertThat(r.getKv().getValue()).isEqualTo(bs("third"));
    ctx.cancel(null);
  }

  @Test
  void leadershipPassesWhenTheLeadersLeaseExpires() throws Exception {
    long shortLived = grant(2);
    long other = grant(60);
    election.campaign(campaign("x", shortLived, "soon gone"));
    ListenableFuture<CampaignResponse> waiting = async.campaign(campaign("x", other, "next"));
    assertThat(waiting.get(15, TimeUnit.SECONDS).getLeader().getLease()).isEqualTo(other);
    assertThat(leader("x").getKv().getValue()).isEqualTo(bs("next"));
  }
}
