package io.cairn.server.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Proposals held while there is no leader: bounded, and never proposed once their caller gave up. */
class WaitingProposalsTest {
  final Set<Long> waiting = new HashSet<>();
  final WaitingProposals q = new WaitingProposals(3, waiting::contains);

  private WaitingProposals.Proposal p(long id) {
    waiting.add(id);
    return new WaitingProposals.Proposal(id, new byte[] {(byte) id});
  }

  @Test
  void aProposalWhoseCallerTimedOutIsNeverProposed() {
    q.offer(p(1));
    q.offer(p(2));
    waiting.remove(1L); // the request timed out and its client was told so
    assertThat(q.drain()).extracting(WaitingProposals.Proposal::id).containsExactly(2L);
    assertThat(q.isEmpty()).isTrue();
  }

  @Test
  void theQueueIsBoundedButMakesRoomForLiveProposalsByDroppingAbandonedOnes() {
    assertThat(q.offer(p(1))).isTrue();
    assertThat(q.offer(p(2))).isTrue();
    assertThat(q.offer(p(3))).isTrue();
    assertThat(q.offer(p(4))).isFalse();
    waiting.remove(2L);
    assertThat(q.offer(p(5))).isTrue();
    assertThat(q.drain()).extracting(WaitingProposals.Proposal::id).containsExactly(1L, 3L, 5L);
  }

  @Test
  void abandonedProposalsAreDroppedOnTick() {
    q.offer(p(1));
    waiting.remove(1L);
    q.dropAbandoned();
    assertThat(q.size()).isZero();
  }
}
