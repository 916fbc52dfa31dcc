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
    String name = "peer-" + UUID.randomUUID();
    PeerService service = new PeerService(m -> { }, () -> null, () -> null, null, null, id -> false);
    service.onLeases(new LeaseRenewer() {
      @Override
      public CompletableFuture<Long> renew(long id) {
        return error != null ? CompletableFuture.failedFuture(error) : CompletableFuture.completedFuture(ttl);
      }

      @Override
      public CompletableFuture<Lessor.TimeToLive> timeToLive(long id) {
        return error != null ? CompletableFuture.failedFuture(error)
            : CompletableFuture.completedFuture(ttl < 0 ? null : new Lessor.TimeToLive(id, ttl, ttl - 1));
      }
    });
    servers.add(InProcessServerBuilder.forName(name).addService(service).build().start());
    URI url = URI.create("http://" + name + ":2380");
    urlToServer.put(url.toString(), name);
    return url;
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
    renewer = new ForwardingLeaseRenewer(local, member, id -> peerUrls.getOrDefault(id, List.of()), u -> {
      ManagedChannel c = InProcessChannelBuilder.forName(urlToServer.get(u.toString())).build();
      opened.add(c);
      return c;
    });
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
    assertThatThrownBy(() -> get(r.renew(7))).isInstanceOf(ExecutionException.class).cause()
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
          assertThat(e.getStatus().getDescription()).isEqualTo(EtcdErrors.NOT_LEADER);
        });
  }
}
