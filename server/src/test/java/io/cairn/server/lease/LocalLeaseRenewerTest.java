package io.cairn.server.lease;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.server.loop.ManualClock;
import io.cairn.storage.mvcc.LeaseRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * etcd 3.7's FastLeaseKeepAlive on the leader: a known lease is renewed without waiting for the apply loop; an
 * unknown one waits for it once (it may be a grant committed but not applied yet) and is looked up again. With the
 * gate off every renewal waits first, as in etcd 3.4 to 3.6.
 */
class LocalLeaseRenewerTest {
  final ManualClock clock = new ManualClock();
  final LeaseKeeperTest.FakeMember member = new LeaseKeeperTest.FakeMember();
  /** Each applyWait the renewer asks for, completed by the test when "the apply loop caught up". */
  final List<CompletableFuture<Void>> applyWaits = new ArrayList<>();
  final LeaseKeeperTest.FakeProposer proposer = new LeaseKeeperTest.FakeProposer() {
    @Override
    public CompletableFuture<Void> applyWait() {
      CompletableFuture<Void> f = new CompletableFuture<>();
      applyWaits.add(f);
      return f;
    }
  };
  Lessor lessorRef;

  LocalLeaseRenewer renewer(boolean fast) {
    Lessor lessor = new Lessor(clock::nanoTime, LeaseSettings.fromFlags(100, 1000, false, fast), r -> { });
    member.leader = LeaseKeeperTest.ME;
    lessor.promote();
    lessorRef = lessor;
    return new LocalLeaseRenewer(lessor, member, proposer);
  }

  @Test
  void fastRenewalOfAKnownLeaseDoesNotWaitForTheApplyLoop() {
    LocalLeaseRenewer r = renewer(true);
    lessorRef.granted(new LeaseRecord(7, 30, 0));
    CompletableFuture<Long> ttl = r.renew(7);
    assertThat(ttl).isCompletedWithValue(30L);
    assertThat(applyWaits).isEmpty();
  }

  @Test
  void fastRenewalOfAnUnknownLeaseWaitsForTheApplyLoopThenFindsAGrantThatLandedMeanwhile() {
    LocalLeaseRenewer r = renewer(true);
    CompletableFuture<Long> ttl = r.renew(7);
    assertThat(ttl).isNotDone();
    assertThat(applyWaits).hasSize(1);
    lessorRef.granted(new LeaseRecord(7, 30, 0)); // the grant is applied
    applyWaits.get(0).complete(null);
    assertThat(ttl).isCompletedWithValue(30L);
  }

  @Test
  void fastRenewalOfALeaseStillUnknownAfterTheWaitIsNotFound() {
    LocalLeaseRenewer r = renewer(true);
    CompletableFuture<Long> ttl = r.renew(7);
    applyWaits.get(0).complete(null);
    assertThat(ttl).isCompletedWithValue(-1L);
    assertThat(applyWaits).hasSize(1);
  }

  @Test
  void withTheGateOffEveryRenewalWaitsForTheApplyLoopFirst() {
    LocalLeaseRenewer r = renewer(false);
    lessorRef.granted(new LeaseRecord(7, 30, 0));
    CompletableFuture<Long> ttl = r.renew(7);
    assertThat(ttl).isNotDone();
    applyWaits.get(0).complete(null);
    assertThat(ttl).isCompletedWithValue(30L);
  }

  @Test
  void aFollowerAnswersNotLeaderWithoutWaiting() {
    LocalLeaseRenewer r = renewer(false);
    member.leader = LeaseKeeperTest.OTHER;
    assertThat(r.renew(7)).isCompletedExceptionally();
    assertThat(applyWaits).isEmpty();
  }
}
