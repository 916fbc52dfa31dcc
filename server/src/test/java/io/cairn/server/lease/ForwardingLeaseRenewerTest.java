package io.cairn.server.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.server.api.EtcdErrors;
import io.cairn.server.peer.PeerService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A follower's renewals go to whichever member leads now, at its current peer URL (the stub is kept per URL, so a
 * stale one would answer for the old leader), with the leader's answer unchanged: its TTL, -1 for an unknown lease,
 * its error with etcd's code and text. The member that leads, or one that knows no leader, answers itself.
 */
class ForwardingLeaseRenewerTest {
  static final long THIRD = 0xc3;

  final LeaseKeeperTest.FakeMember member = new LeaseKeeperTest.FakeMember();
  final Map<Long, List<URI>> peerUrls = new HashMap<>();
  final Map<String, String> urlToServer = new HashMap<>();
  final List<Server> servers = new ArrayList<>();
  final List<ManagedChannel> opened = new ArrayList<>();
  ForwardingLeaseRenewer renewer;

  /** A "leader" on the peer port whose lessor answers renewals with {@code ttl} (or fails with {@code error}). */
  URI leader(long ttl, StatusRuntimeException error) throws Exception {
    return leader(fixed(ttl, error));
  }

  /** A lessor that answers every renewal with {@code ttl} (or fails with {@code error}). */
  static LeaseRenewer fixed(long ttl, StatusRuntimeException error) {
    return new LeaseRenewer() {
      @Override
      public CompletableFuture<Long> renew(long id) {
        return error != null ? CompletableFuture.failedFuture(error) : CompletableFuture.completedFuture(ttl);
      }

      @Override
      public CompletableFuture<Lessor.TimeToLive> timeToLive(long id) {
        return error != null ? CompletableFuture.failedFuture(error)
            : CompletableFuture.completedFuture(ttl < 0 ? null : new Lessor.TimeToLive(id, ttl, ttl - 1));
      }
    };
  }

  /** A "leader" whose lessor is {@code lessor}. */
  URI leader(LeaseRenewer lessor) throws Exception {
    PeerService service = new PeerService(m -> { }, () -> null, () -> null, null, null, id -> false);
    service.onLeases(lessor);
    return serve("peer-" + UUID.randomUUID(), service);
  }

  /** Peer calls the servers received, by method name ("LeaseRenew", "LeaseRenewals", ...). */
  final List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();

  URI serve(String name, io.grpc.BindableService service) throws Exception {
    io.grpc.ServerInterceptor count = new io.grpc.ServerInterceptor() {
      @Override
      public <Q, A> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, A> call, io.grpc.Metadata h,
          io.grpc.ServerCallHandler<Q, A> next) {
        calls.add(call.getMethodDescriptor().getBareMethodName());
        return next.startCall(call, h);
      }
    };
    servers.add(InProcessServerBuilder.forName(name)
        .addService(io.grpc.ServerInterceptors.intercept(service, count)).build().start());
    URI url = URI.create("http://" + name + ":2380");
    urlToServer.put(url.toString(), name);
    return url;
  }

  /** A lessor whose renewals wait until the test answers them. */
  static final class ManualLessor implements LeaseRenewer {
    final Map<Long, CompletableFuture<Long>> renewals = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public CompletableFuture<Long> renew(long id) {
      return renewals.computeIfAbsent(id, x -> new CompletableFuture<>());
    }

    @Override
    public CompletableFuture<Lessor.TimeToLive> timeToLive(long id) {
      return new CompletableFuture<>();
    }
  }

  /** The local renewer: answers 42 for every lease, so a renewal that was not forwarded shows. */
  final LeaseRenewer local = new LeaseRenewer() {
    @Override
    public CompletableFuture<Long> renew(long id) {
      return CompletableFuture.completedFuture(42L);
    }

    @Override
    public CompletableFuture<Lessor.TimeToLive> timeToLive(long id) {
      return CompletableFuture.completedFuture(new Lessor.TimeToLive(id, 42, 41));
    }
  };

  ForwardingLeaseRenewer renewer() {
    return renewer(5_000);
  }

  /** The member's clock, moved by hand: a renewal times out only when a test says so. */
  final java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();

  ForwardingLeaseRenewer renewer(long timeoutMs) {
    renewer = new ForwardingLeaseRenewer(local, member, id -> peerUrls.getOrDefault(id, List.of()), u -> {
      ManagedChannel c = InProcessChannelBuilder.forName(urlToServer.get(u.toString())).build();
      opened.add(c);
      return c;
    }, nanos::get, timeoutMs);
    return renewer;
  }

  @AfterEach
  void close() throws Exception {
    if (renewer != null) {
      renewer.close();
    }
    for (Server s : servers) {
      s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** {@code f} fails with a gRPC status of {@code code} and, unless null, {@code description}. */
  static void assertFails(CompletableFuture<?> f, Status.Code code, String description) {
    assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).cause()
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(code);
          if (description != null) {
            assertThat(e.getStatus().getDescription()).isEqualTo(description);
          }
        });
  }

  static long get(CompletableFuture<Long> f) throws Exception {
    return f.get(10, TimeUnit.SECONDS);
  }

  @Test
  void followsTheLeaderAndItsPeerUrlAndKeepsItsAnswers() throws Exception {
    peerUrls.put(LeaseKeeperTest.OTHER, List.of(leader(30, null)));
    peerUrls.put(THIRD, List.of(leader(-1, null))); // this one knows no such lease
    ForwardingLeaseRenewer r = renewer();

    member.leader = LeaseKeeperTest.OTHER;
    assertThat(get(r.renew(7))).isEqualTo(30);
    assertThat(get(r.renew(7))).isEqualTo(30);
    assertThat(r.timeToLive(7).get(10, TimeUnit.SECONDS)).isEqualTo(new Lessor.TimeToLive(7, 30, 29));

    // a new leader: its answer, not the old one's (unknown lease: the leader says TTL 0, the follower -1)
    member.leader = THIRD;
    assertThat(get(r.renew(7))).isEqualTo(-1);
    assertThat(r.timeToLive(7).get(10, TimeUnit.SECONDS)).isNull();

    // the same leader at a new peer URL (member update): the new URL is asked
    peerUrls.put(THIRD, List.of(leader(60, null)));
    assertThat(get(r.renew(7))).isEqualTo(60);

    // back to the first leader: its channel is reused
    member.leader = LeaseKeeperTest.OTHER;
    assertThat(get(r.renew(7))).isEqualTo(30);
    assertThat(opened).hasSize(3);
  }

  @Test
  void theLeaderOrAMemberWithoutLeaderAnswersItself() throws Exception {
    peerUrls.put(LeaseKeeperTest.OTHER, List.of(leader(30, null)));
    ForwardingLeaseRenewer r = renewer();
    member.leader = LeaseKeeperTest.ME;
    assertThat(get(r.renew(7))).isEqualTo(42);
    member.leader = 0;
    assertThat(get(r.renew(7))).isEqualTo(42);
    member.leader = THIRD; // leader whose peer URLs are not known yet
    assertThat(get(r.renew(7))).isEqualTo(42);
    assertThat(opened).isEmpty();
  }

  @Test
  void theLeadersErrorReachesTheClientWithEtcdsCodeAndText() throws Exception {
    peerUrls.put(LeaseKeeperTest.OTHER, List.of(leader(0, EtcdErrors.failedPrecondition(EtcdErrors.NOT_LEADER))));
    ForwardingLeaseRenewer r = renewer();
    member.leader = LeaseKeeperTest.OTHER;
    assertFails(r.renew(7), Status.Code.FAILED_PRECONDITION, EtcdErrors.NOT_LEADER);
  }

  @Test
  void renewalsShareOneStreamAndEachGetsItsOwnAnswerInWhateverOrderTheyCome() throws Exception {
    ManualLessor lessor = new ManualLessor();
    peerUrls.put(LeaseKeeperTest.OTHER, List.of(leader(lessor)));
    ForwardingLeaseRenewer r = renewer();
    member.leader = LeaseKeeperTest.OTHER;
    List<CompletableFuture<Long>> answers = new ArrayList<>();
    for (long id = 1; id <= 5; id++) {
      answers.add(r.renew(id));
    }
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
        .until(() -> lessor.renewals.size() == 5);
    for (long id = 5; id >= 1; id--) {
      lessor.renewals.get(id).complete(id * 10);
    }
    for (int i = 0; i < 5; i++) {
      assertThat(get(answers.get(i))).isEqualTo((i + 1) * 10L);
    }
    lessor.renewals.clear();
    lessor.renewals.put(6L, CompletableFuture.completedFuture(-1L)); // no such lease
    assertThat(get(r.renew(6))).isEqualTo(-1);
    assertThat(calls).containsExactly("LeaseRenewals");
  }

  @Test
  void theStreamOutlivesTheClientCallThatOpenedIt() throws Exception {
    peerUrls.put(LeaseKeeperTest.OTHER, List.of(leader(30, null)));
    ForwardingLeaseRenewer r = renewer();
    member.leader = LeaseKeeperTest.OTHER;
    // a client's keep-alive stream, ended after one renewal (what etcd's benchmark and KeepAliveOnce do)
    io.grpc.Context.CancellableContext client = io.grpc.Context.current().withCancellation();
    CompletableFuture<Long> first = client.call(() -> r.renew(7));
    assertThat(get(first)).isEqualTo(30);
    client.cancel(null);
    assertThat(get(r.renew(7))).isEqualTo(30);
    assertThat(calls).containsExactly("LeaseRenewals");
  }

  @Test
  void aLeaderWithoutTheStreamIsAskedCallByCall() throws Exception {
    // an older release's peer service: no LeaseRenewals (gRPC answers UNIMPLEMENTED)
    URI old = serve("peer-" + UUID.randomUUID(), new io.cairn.proto.serverpb.PeerGrpc.PeerImplBase() {
      @Override
      public void leaseRenew(io.cairn.proto.etcdserverpb.LeaseKeepAliveRequest req,
          io.grpc.stub.StreamObserver<io.cairn.proto.etcdserverpb.LeaseKeepAliveResponse> out) {
        out.onNext(io.cairn.proto.etcdserverpb.LeaseKeepAliveResponse.newBuilder().setID(req.getID()).setTTL(30)
            .build());
        out.onCompleted();
      }
    });
    peerUrls.put(LeaseKeeperTest.OTHER, List.of(old));
    ForwardingLeaseRenewer r = renewer();
    member.leader = LeaseKeeperTest.OTHER;
    assertThat(get(r.renew(7))).isEqualTo(30);
    assertThat(get(r.renew(7))).isEqualTo(30);
    assertThat(calls).containsExactly("LeaseRenewals", "LeaseRenew", "LeaseRenew");
  }

  @Test
  void aRenewalTheLeaderDoesNotAnswerFailsWithEtcdsTimeout() throws Exception {
    peerUrls.put(LeaseKeeperTest.OTHER, List.of(leader(new ManualLessor())));
    ForwardingLeaseRenewer r = renewer(200);
    member.leader = LeaseKeeperTest.OTHER;
    CompletableFuture<Long> unanswered = r.renew(7);
    org.awaitility.Awaitility.await().during(java.time.Duration.ofMillis(300)).atMost(java.time.Duration.ofSeconds(5))
        .until(() -> !unanswered.isDone()); // sweeps come, but the member's clock has not passed the deadline
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(200));
    assertFails(unanswered, Status.Code.UNAVAILABLE, EtcdErrors.TIMEOUT);
  }

  @Test
  void aBrokenStreamFailsWhatWaitsAndTheNextRenewalOpensAnother() throws Exception {
    URI url = leader(new ManualLessor());
    peerUrls.put(LeaseKeeperTest.OTHER, List.of(url));
    ForwardingLeaseRenewer r = renewer();
    member.leader = LeaseKeeperTest.OTHER;
    CompletableFuture<Long> waiting = r.renew(7);
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> !calls.isEmpty());
    Server gone = servers.remove(0);
    gone.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    assertFails(waiting, Status.Code.UNAVAILABLE, null);
    // the leader back at the same URL: a new stream carries the next renewal
    PeerService back = new PeerService(m -> { }, () -> null, () -> null, null, null, id -> false);
    back.onLeases(fixed(30, null));
    serve(urlToServer.get(url.toString()), back);
    assertThat(get(r.renew(7))).isEqualTo(30);
    assertThat(calls).containsExactly("LeaseRenewals", "LeaseRenewals");
  }

  @Test
  void aRenewalInFlightWhenTheLeaderChangesGetsTheOldLeadersAnswer() throws Exception {
    ManualLessor first = new ManualLessor();
    peerUrls.put(LeaseKeeperTest.OTHER, List.of(leader(first)));
    peerUrls.put(THIRD, List.of(leader(60, null)));
    ForwardingLeaseRenewer r = renewer();
    member.leader = LeaseKeeperTest.OTHER;
    CompletableFuture<Long> inFlight = r.renew(7);
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
        .until(() -> first.renewals.containsKey(7L));
    member.leader = THIRD;
    assertThat(get(r.renew(7))).isEqualTo(60);
    assertThat(inFlight).isNotDone();
    first.renewals.get(7L).complete(30L);
    assertThat(get(inFlight)).isEqualTo(30);
  }
}
