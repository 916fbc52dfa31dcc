package io.cairn.server.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.etcdserverpb.LeaseCheckpoint;
import io.cairn.proto.etcdserverpb.LeaseCheckpointRequest;
import io.cairn.server.loop.ManualClock;
import io.cairn.storage.mvcc.LeaseRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The lessor's expiry rules (etcd lessor.go) driven by a manual clock: no sleeps, no threads. */
class LessorTest {
  final ManualClock clock = new ManualClock();
  final List<LeaseCheckpointRequest> checkpoints = new ArrayList<>();
  /** etcd's defaults: heartbeat 100 ms, election 1000 ms → min TTL 2 s, promote extension 1 s. */
  LeaseSettings settings = LeaseSettings.fromFlags(100, 1000, false);

  Lessor lessor() {
    return new Lessor(clock, settings, checkpoints::add);
  }

  static LeaseRecord lease(long id, long ttl) {
    return new LeaseRecord(id, ttl, 0);
  }

  @Test
  void settingsFollowEtcd() {
    assertThat(settings.minTtlSeconds()).isEqualTo(2);
    assertThat(settings.promoteExtend()).isEqualTo(Duration.ofSeconds(1));
    assertThat(settings.revokesPerCheck()).isEqualTo(500);
    assertThat(LeaseSettings.fromFlags(100, 5000, false).minTtlSeconds()).isEqualTo(8); // ceil(7.5)
    assertThat(LeaseSettings.fromFlags(50, 250, false).minTtlSeconds()).isEqualTo(1); // ceil(0.35)
  }

  @Test
  void nothingExpiresUntilPromotedThenEveryLeaseGetsTtlPlusElectionTimeout() {
    Lessor l = lessor();
    l.granted(lease(1, 10));
    clock.advance(Duration.ofHours(1));
    assertThat(l.expired(100)).isEmpty();
    assertThat(l.timeToLive(1).remainingSeconds()).isEqualTo(10); // what promotion would give it

    l.promote();
    clock.advanceMillis(10_999);
    assertThat(l.expired(100)).isEmpty();
    assertThat(l.timeToLive(1).remainingSeconds()).isZero(); // 1 ms left, truncated
    clock.advanceMillis(1);
    assertThat(l.expired(100)).containsExactly(1L);
    assertThat(l.isAlive(1)).isFalse();
    assertThat(l.exists(1)).isTrue();
  }

  @Test
  void grantWhilePrimaryExpiresAfterItsTtlWithoutExtension() {
    Lessor l = lessor();
    l.promote();
    l.granted(lease(1, 5));
    clock.advanceMillis(4_999);
    assertThat(l.expired(10)).isEmpty();
    assertThat(l.timeToLive(1)).isEqualTo(new Lessor.TimeToLive(1, 5, 0));
    clock.advanceMillis(1);
    assertThat(l.expired(10)).containsExactly(1L);
  }

  @Test
  void anExpiredLeaseIsOfferedAgainUntilItsRevocationIsApplied() {
    Lessor l = lessor();
    l.promote();
    l.granted(lease(1, 2));
    clock.advance(Duration.ofSeconds(2));
    assertThat(l.expired(10)).containsExactly(1L);
    assertThat(l.expired(10)).isEmpty(); // in flight
    clock.advance(settings.expiredRetry());
    assertThat(l.expired(10)).containsExactly(1L); // the proposal was lost: again
    l.revoked(1);
    clock.advance(Duration.ofMinutes(1));
    assertThat(l.expired(10)).isEmpty();
    assertThat(l.exists(1)).isFalse();
    assertThat(l.timeToLive(1)).isNull();
  }

  @Test
  void expiredLeasesComeSoonestFirstAndAtMostTheLimitPerCheck() {
    Lessor l = lessor();
    l.promote();
    for (long id = 1; id <= 700; id++) {
      l.granted(lease(id, 2 + id % 3));
    }
    clock.advance(Duration.ofSeconds(10));
    List<Long> first = l.expired(settings.revokesPerCheck());
    assertThat(first).hasSize(500);
    assertThat(l.expired(settings.revokesPerCheck())).hasSize(200);
    assertThat(first.get(0) % 3).isZero(); // a TTL-2 lease expired first
  }

  @Test
  void renewMovesTheExpiryAndAnswersTheGrantedTtl() throws Exception {
    Lessor l = lessor();
    l.promote();
    l.granted(lease(1, 10));
    clock.advance(Duration.ofSeconds(8));
    assertThat(l.renew(1).get()).isEqualTo(10);
    clock.advance(Duration.ofSeconds(9));
    assertThat(l.expired(10)).isEmpty();
    assertThat(l.timeToLive(1).remainingSeconds()).isEqualTo(1);
    assertThat(l.renew(42).get()).isEqualTo(-1);
  }

  @Test
  void remainingSecondsAreTruncated() {
    Lessor l = lessor();
    l.promote();
    l.granted(lease(1, 10));
    assertThat(l.timeToLive(1).remainingSeconds()).isEqualTo(10);
    clock.advanceMillis(1);
    assertThat(l.timeToLive(1).remainingSeconds()).isEqualTo(9);
    clock.advanceMillis(9_998);
    assertThat(l.timeToLive(1).remainingSeconds()).isZero();
    clock.advanceMillis(1_500); // expired, not revoked yet: etcd reports the (negative) truncated remainder
    assertThat(l.timeToLive(1).remainingSeconds()).isEqualTo(-1);
  }

  @Test
  void renewOfAnExpiredLeaseAnswersOnlyOnceItIsRevoked() throws Exception {
    Lessor l = lessor();
    l.promote();
    l.granted(lease(1, 2));
    clock.advance(Duration.ofSeconds(3));
    CompletableFuture<Long> r = l.renew(1);
    assertThat(r).isNotDone();
    l.revoked(1);
    assertThat(r.get(5, TimeUnit.SECONDS)).isEqualTo(-1);
  }

  @Test
  void renewNeedsAPrimaryAndADemotionReleasesWaitingRenewals() {
    Lessor l = lessor();
    l.granted(lease(1, 2));
    assertThatThrownBy(() -> l.renew(1).get()).hasCauseInstanceOf(NotPrimaryException.class);
    l.promote();
    clock.advance(Duration.ofSeconds(4));
    CompletableFuture<Long> waiting = l.renew(1);
    l.demote();
    assertThatThrownBy(waiting::get).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(NotPrimaryException.class);
    assertThat(l.expired(10)).isEmpty();
  }

  @Test
  void aNewLeaderResetsEveryExpiry() {
    Lessor l = lessor();
    l.promote();
    l.granted(lease(1, 10));
    clock.advance(Duration.ofSeconds(9));
    l.demote();
    clock.advance(Duration.ofMinutes(5)); // no leader for a while: nothing expires
    l.promote();
    clock.advanceMillis(10_999);
    assertThat(l.expired(10)).isEmpty();
    clock.advanceMillis(1);
    assertThat(l.expired(10)).containsExactly(1L);
  }

  @Test
  void leaseIdsAreOrderedByExpiry() {
    Lessor l = lessor();
    l.granted(lease(3, 30));
    l.granted(lease(1, 50));
    l.granted(lease(2, 10));
    assertThat(l.leaseIds()).containsExactly(1L, 2L, 3L); // not primary: by id
    l.promote();
    assertThat(l.leaseIds()).containsExactly(2L, 3L, 1L);
  }

  @Test
  void promotionSpreadsPiledUpExpiriesOverTime() {
    Lessor l = lessor();
    for (long id = 1; id <= 3000; id++) {
      l.granted(lease(id, 60));
    }
    l.promote();
    clock.advance(Duration.ofSeconds(61)); // TTL + extension: the unspread ones are due
    int perSecondTarget = 3 * settings.revokesPerSecond() / 4;
    int total = 0;
    for (int second = 0; second < 10 && total < 3000; second++) {
      List<Long> due = l.expired(Integer.MAX_VALUE);
      assertThat(due.size()).as("second %d", second).isLessThanOrEqualTo(perSecondTarget + 1);
      due.forEach(l::revoked); // the revocations land
      total += due.size();
      clock.advance(Duration.ofSeconds(1));
    }
    assertThat(total).isEqualTo(3000);
  }

  @Test
  void checkpointsRecordRemainingTtlsAndANewLeaderResumesFromThem() {
    settings = new LeaseSettings(2, Duration.ofSeconds(1), true, Duration.ofMinutes(5), 1000, Duration.ofSeconds(3),
        Duration.ofMillis(500), true);
    Lessor l = lessor();
    l.promote();
    l.granted(lease(1, 900));
    l.granted(lease(2, 60)); // shorter than the interval: never checkpointed
    clock.advance(Duration.ofMinutes(5).minusMillis(1));
    assertThat(l.dueCheckpoints(100)).isEmpty();
    clock.advanceMillis(1);
    List<LeaseCheckpoint> due = l.dueCheckpoints(100);
    assertThat(due).containsExactly(LeaseCheckpoint.newBuilder().setID(1).setRemainingTTL(600).build());
    l.checkpointed(1, 600); // applied
    // leadership moves; the new primary resumes from the checkpoint, not the full TTL
    l.demote();
    l.promote();
    assertThat(l.timeToLive(1).remainingSeconds()).isEqualTo(601); // 600 + 1 s extension
    // and the next checkpoint comes one interval later
    clock.advance(Duration.ofMinutes(5));
    assertThat(l.dueCheckpoints(100)).extracting(LeaseCheckpoint::getRemainingTTL).containsExactly(301L);
    // a renewal clears the remaining TTL (locally at once, and through raft)
    assertThat(l.renew(1).join()).isEqualTo(900);
    assertThat(checkpoints).containsExactly(LeaseCheckpointRequest.newBuilder()
        .addCheckpoints(LeaseCheckpoint.newBuilder().setID(1).setRemainingTTL(0)).build());
    l.demote();
    l.promote();
    assertThat(l.timeToLive(1).remainingSeconds()).isEqualTo(901);
  }

  @Test
  void withoutCheckpointingNothingIsCheckpointed() {
    Lessor l = lessor();
    l.promote();
    l.granted(lease(1, 9000));
    clock.advance(Duration.ofMinutes(10));
    assertThat(l.dueCheckpoints(100)).isEmpty();
    l.renew(1).join();
    assertThat(checkpoints).isEmpty();
  }
}
