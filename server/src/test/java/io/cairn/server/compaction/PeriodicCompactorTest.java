package io.cairn.server.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * etcd's periodic schedule on a fake clock (the scenarios of etcd's periodic_test.go): the revision getter counts up
 * by one per call, as etcd's fake does, so the compacted revision tells which wake-up recorded it.
 */
class PeriodicCompactorTest {
  long now = 1_000;
  long rev;
  boolean leading = true;
  boolean succeed = true;
  final List<Long> compacted = new ArrayList<>();

  private PeriodicCompactor compactor(long period, TimeUnit unit) {
    return new PeriodicCompactor(unit.toNanos(period), () -> ++rev, r -> {
      compacted.add(r);
      return succeed;
    }, () -> leading, () -> now);
  }

  /** Advances the fake clock by one step and wakes the compactor, {@code n} times. */
  private void advance(PeriodicCompactor c, int n) {
    for (int i = 0; i < n; i++) {
      now += c.stepNanos();
      c.step();
    }
  }

  @Test
  void stepsAreATenthOfThePeriodCappedAtAnHour() {
    assertThat(compactor(5, TimeUnit.MINUTES).stepNanos()).isEqualTo(TimeUnit.SECONDS.toNanos(30));
    assertThat(compactor(1, TimeUnit.HOURS).stepNanos()).isEqualTo(TimeUnit.MINUTES.toNanos(6));
    assertThat(compactor(24, TimeUnit.HOURS).stepNanos()).isEqualTo(TimeUnit.MINUTES.toNanos(6));
  }

  @Test
  void minutesFirstAfterOnePeriodThenEveryPeriodAtTheRevisionOnePeriodAgo() {
    PeriodicCompactor c = compactor(5, TimeUnit.MINUTES);
    advance(c, 9);
    assertThat(compacted).isEmpty();
    advance(c, 1); // 5 minutes: the revision recorded at the start
    assertThat(compacted).containsExactly(1L);
    for (int i = 0; i < 5; i++) {
      advance(c, 9);
      assertThat(compacted).hasSize(i + 1);
      advance(c, 1);
      assertThat(compacted).last().isEqualTo((i + 1) * 10L);
    }
  }

  @Test
  void hoursWaitTheWholeRetentionThenCompactEveryHour() {
    PeriodicCompactor c = compactor(2, TimeUnit.HOURS);
    advance(c, 19);
    assertThat(compacted).isEmpty();
    advance(c, 1); // two hours
    assertThat(compacted).containsExactly(1L);
    for (int i = 0; i < 3; i++) {
      advance(c, 10); // then every hour (the interval is capped at one), keeping two hours of history
      assertThat(compacted).last().isEqualTo((i + 1) * 10L);
    }
    assertThat(compacted).hasSize(4);
  }

  @Test
  void aFailedCompactionIsRetriedAtTheNextStep() {
    PeriodicCompactor c = compactor(5, TimeUnit.MINUTES);
    succeed = false;
    advance(c, 10);
    assertThat(compacted).containsExactly(1L);
    advance(c, 1); // the window is not full yet: the same revision again
    assertThat(compacted).containsExactly(1L, 1L);
    succeed = true;
    advance(c, 1); // now it slides
    assertThat(compacted).containsExactly(1L, 1L, 2L);
    advance(c, 9);
    assertThat(compacted).hasSize(3);
  }

  @Test
  void anUnchangedRevisionIsNotCompactedTwice() {
    PeriodicCompactor c = new PeriodicCompactor(TimeUnit.MINUTES.toNanos(5), () -> 100, r -> {
      compacted.add(r);
      return true;
    }, () -> true, () -> now);
    advance(c, 10);
    assertThat(compacted).containsExactly(100L);
    advance(c, 50);
    assertThat(compacted).containsExactly(100L);
  }

  @Test
  void followersRecordButNeverCompact() {
    PeriodicCompactor c = compactor(5, TimeUnit.MINUTES);
    leading = false;
    advance(c, 30);
    assertThat(compacted).isEmpty();
    leading = true; // a new leader compacts at once, at the revision one period ago
    advance(c, 1);
    assertThat(compacted).containsExactly(21L);
  }
}
