package io.cairn.server.raft;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A batch of proposals is bounded by count and bytes, and gives back what was taken, in order, once. */
class ProposalBatchTest {
  private static WaitingProposals.Proposal proposal(long id, int bytes) {
    return new WaitingProposals.Proposal(id, new byte[bytes]);
  }

  @Test
  void fullAtTheCountBound() {
    ProposalBatch b = new ProposalBatch();
    for (int i = 0; i < ProposalBatch.MAX_PROPOSALS - 1; i++) {
      b.add(proposal(i, 10), false);
    }
    assertThat(b.full()).isFalse();
    b.add(proposal(-1, 10), false);
    assertThat(b.full()).isTrue();
  }

  @Test
  void fullAtTheByteBound() {
    ProposalBatch b = new ProposalBatch();
    b.add(proposal(1, (int) ProposalBatch.MAX_BYTES - 1), false);
    assertThat(b.full()).isFalse();
    b.add(proposal(2, 1), true);
    assertThat(b.full()).isTrue();
  }

  @Test
  void takeAllGivesBackEveryProposalInOrderAndEmptiesTheBatch() {
    ProposalBatch b = new ProposalBatch();
    b.add(proposal(1, (int) ProposalBatch.MAX_BYTES), false);
    b.add(proposal(2, 3), true);
    var taken = b.takeAll();
    assertThat(taken).extracting(t -> t.proposal().id()).containsExactly(1L, 2L);
    assertThat(taken).extracting(ProposalBatch.Taken::leaderOnly).containsExactly(false, true);
    assertThat(ProposalBatch.data(taken)).extracting(com.google.protobuf.ByteString::size)
        .containsExactly((int) ProposalBatch.MAX_BYTES, 3);
    assertThat(b.isEmpty()).isTrue();
    assertThat(b.full()).isFalse(); // the byte count starts over
  }
}
