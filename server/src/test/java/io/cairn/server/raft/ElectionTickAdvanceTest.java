package io.cairn.server.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** etcd's initial election tick advance: once, by election ticks − 2, only once more than one peer is connected. */
class ElectionTickAdvanceTest {
  private final AtomicInteger connected = new AtomicInteger();
  private final List<Integer> advanced = new ArrayList<>();

  @Test
  void advancesOnceByTwoTicksShortOfTheTimeoutOnceTwoPeersAreConnected() {
    ElectionTickAdvance a = new ElectionTickAdvance(10, connected::get, advanced::add);
    connected.set(1);
    assertThat(a.check()).isFalse();
    assertThat(advanced).isEmpty();
    connected.set(2);
    assertThat(a.check()).isTrue();
    assertThat(a.check()).isTrue();
    assertThat(advanced).containsExactly(8);
  }

  @Test
  void givesUpAfterFiveSecondsOfChecksWithoutPeers() {
    ElectionTickAdvance a = new ElectionTickAdvance(10, connected::get, advanced::add);
    for (int i = 1; i < ElectionTickAdvance.CHECKS; i++) {
      assertThat(a.check()).as("check %d", i).isFalse();
    }
    assertThat(a.check()).isTrue();
    connected.set(2);
    assertThat(a.check()).isTrue();
    assertThat(advanced).isEmpty();
    assertThat(ElectionTickAdvance.CHECKS * ElectionTickAdvance.PERIOD_MS).isEqualTo(5000);
  }

  @Test
  void anElectionTimeoutOfTwoTicksLeavesNothingToAdvance() {
    ElectionTickAdvance a = new ElectionTickAdvance(2, () -> 4, advanced::add);
    assertThat(a.check()).isTrue();
    assertThat(advanced).isEmpty();
  }
}
