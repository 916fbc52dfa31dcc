package io.cairn.server.lease;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.cairn.proto.etcdserverpb.LeaseRevokeResponse;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.server.api.MemberState;
import io.cairn.server.apply.Proposer;
import io.cairn.server.loop.ManualClock;
import io.cairn.storage.mvcc.LeaseRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Leadership → promotion/demotion, expired leases → revocations, checkpoints → proposals; driven tick by tick. */
class LeaseKeeperTest {
  static final long ME = 0xa1;
  static final long OTHER = 0xb2;

  final ManualClock clock = new ManualClock();
  final FakeMember member = new FakeMember();
  final FakeProposer proposer = new FakeProposer();
  LeaseSettings settings = LeaseSettings.fromFlags(100, 1000, false);

  static final class FakeMember implements MemberState {
    volatile long leader;
    volatile long term = 2;

    @Override
    public long clusterId() {
      return 1;
    }

    @Override
    public long memberId() {
      return ME;
    }

    @Override
    public long raftTerm() {
      return term;
    }

    @Override
    public long leaderId() {
      return leader;
    }

    @Override
    public long raftIndex() {
      return 0;
    }

    @Override
    public long appliedIndex() {
      return 0;
    }
  }

  static class FakeProposer implements Proposer {
    final List<InternalRequest> proposed = new ArrayList<>();
    final List<CompletableFuture<Void>> barriers = new ArrayList<>();

    @Override
    public CompletableFuture<Message> propose(InternalRequest request) {
      proposed.add(request);
      return CompletableFuture.completedFuture(LeaseRevokeResponse.getDefaultInstance());
    }

    @Override
    public CompletableFuture<Void> readBarrier() {
      CompletableFuture<Void> f = new CompletableFuture<>();
      barriers.add(f);
      return f;
    }

    @Override
    public void onApplied(Runnable listener) {}

    @Override
    public long appliedIndex() {
      return 0;
    }

    @Override
    public long committedIndex() {
      return 0;
    }

    @Override
    public void close() {}

    List<Long> revoked() {
      return proposed.stream().filter(InternalRequest::hasLeaseRevoke).map(r -> r.getLeaseRevoke().getID()).toList();
    }
  }

  LeaseKeeper keeper(Lessor lessor) {
    return new LeaseKeeper(lessor, proposer, member, Runnable::run); // same thread: deterministic
  }

  @Test
  void promotesOnlyOnceTheLeaderHasAppliedItsBacklog() {
    Lessor lessor = new Lessor(clock, settings, r -> { });
    LeaseKeeper k = keeper(lessor);
    lessor.granted(new LeaseRecord(1, 5, 0));
    k.tick();
    assertThat(proposer.barriers).isEmpty(); // no leader: nothing to do
    member.leader = ME;
    k.leaderChanged();
    assertThat(proposer.barriers).hasSize(1);
    k.tick();
    assertThat(proposer.barriers).hasSize(1); // one promotion at a time
    assertThat(lessor.isPrimary()).isFalse();
    proposer.barriers.get(0).complete(null);
    assertThat(lessor.isPrimary()).isTrue();
  }

  @Test
  void proposesRevocationsOfExpiredLeasesAndRetriesThemIfTheyDoNotLand() {
    Lessor lessor = new Lessor(clock, settings, r -> { });
    LeaseKeeper k = keeper(lessor);
    member.leader = ME;
    k.tick();
    proposer.barriers.get(0).complete(null);
    lessor.granted(new LeaseRecord(7, 2, 0));
    lessor.granted(new LeaseRecord(8, 60, 0));
    clock.advance(Duration.ofSeconds(2));
    k.tick();
    assertThat(proposer.revoked()).containsExactly(7L);
    k.tick();
    assertThat(proposer.revoked()).containsExactly(7L);
    clock.advance(settings.expiredRetry());
    k.tick();
    assertThat(proposer.revoked()).containsExactly(7L, 7L);
    lessor.revoked(7); // applied at last
    clock.advance(Duration.ofSeconds(10));
    k.tick();
    assertThat(proposer.revoked()).containsExactly(7L, 7L);
  }

  @Test
  void revocationsAreRateLimitedPerCheck() {
    Lessor lessor = new Lessor(clock, settings, r -> { });
    LeaseKeeper k = keeper(lessor);
    member.leader = ME;
    k.tick();
    proposer.barriers.get(0).complete(null);
    for (long id = 1; id <= 1200; id++) {
      lessor.granted(new LeaseRecord(id, 2, 0));
    }
    clock.advance(Duration.ofSeconds(3));
    k.tick();
    assertThat(proposer.revoked()).hasSize(500); // 1000/s at one check every 500 ms
    k.tick();
    assertThat(proposer.revoked()).hasSize(1000);
    k.tick();
    assertThat(proposer.revoked()).hasSize(1200);
  }

  @Test
  void losingLeadershipOrTheTermDemotes() {
    Lessor lessor = new Lessor(clock, settings, r -> { });
    LeaseKeeper k = keeper(lessor);
    lessor.granted(new LeaseRecord(1, 2, 0));
    member.leader = ME;
    k.tick();
    proposer.barriers.get(0).complete(null);
    assertThat(lessor.isPrimary()).isTrue();

    member.leader = OTHER;
    k.leaderChanged();
    assertThat(lessor.isPrimary()).isFalse();
    clock.advance(Duration.ofMinutes(1));
    k.tick();
    assertThat(proposer.revoked()).isEmpty(); // followers never expire leases

    member.leader = ME;
    member.term = 3;
    k.tick();
    proposer.barriers.get(1).complete(null);
    assertThat(lessor.isPrimary()).isTrue();
    member.term = 4; // re-elected without us seeing a change of leader id
    k.tick();
    assertThat(lessor.isPrimary()).isFalse();
    assertThat(proposer.barriers).hasSize(3);
  }

  @Test
  void aPromotionThatOutlivesItsLeadershipIsDropped() {
    Lessor lessor = new Lessor(clock, settings, r -> { });
    LeaseKeeper k = keeper(lessor);
    member.leader = ME;
    k.tick();
    member.leader = OTHER;
    k.tick();
    proposer.barriers.get(0).complete(null);
    assertThat(lessor.isPrimary()).isFalse();
  }

  @Test
  void dueCheckpointsAreProposedInOneBatch() {
    settings = new LeaseSettings(2, Duration.ofSeconds(1), true, Duration.ofMinutes(5), 1000, Duration.ofSeconds(3),
        Duration.ofMillis(500), true);
    Lessor lessor = new Lessor(clock, settings, r -> { });
    LeaseKeeper k = keeper(lessor);
    member.leader = ME;
    k.tick();
    proposer.barriers.get(0).complete(null);
    lessor.granted(new LeaseRecord(1, 3600, 0));
    lessor.granted(new LeaseRecord(2, 3600, 0));
    clock.advance(Duration.ofMinutes(5));
    k.tick();
    List<InternalRequest> cps = proposer.proposed.stream().filter(InternalRequest::hasLeaseCheckpoint).toList();
    assertThat(cps).hasSize(1);
    assertThat(cps.get(0).getLeaseCheckpoint().getCheckpointsList())
        .extracting(c -> c.getRemainingTTL()).containsExactly(3300L, 3300L);
  }
}
