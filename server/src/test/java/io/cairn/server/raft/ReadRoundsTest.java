package io.cairn.server.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** ReadIndex rounds: contexts unique across members, lost rounds sent again, rounds failed on a leader change. */
class ReadRoundsTest {
  final List<ByteString> sent = new ArrayList<>();

  @Test
  void contextsOfDifferentMembersNeverCollide() {
    ReadRounds a = new ReadRounds(0x1111, 5);
    ReadRounds b = new ReadRounds(0x2222, 5);
    List<ByteString> fromA = new ArrayList<>();
    List<ByteString> fromB = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      a.queue(new CompletableFuture<>());
      a.issue(fromA::add);
      b.queue(new CompletableFuture<>());
      b.issue(fromB::add);
    }
    // each member counts from 1: before the fix both sent 1, 2, 3 and the leader dropped one member's reads
    assertThat(fromA).doesNotContainAnyElementsOf(fromB);
    assertThat(fromA).doesNotHaveDuplicates();
  }

  @Test
  void readsQueuedTogetherShareOneRoundAndAreAnsweredTogether() {
    ReadRounds r = new ReadRounds(7, 5);
    CompletableFuture<Void> x = new CompletableFuture<>();
    CompletableFuture<Void> y = new CompletableFuture<>();
    r.queue(x);
    r.queue(y);
    r.issue(sent::add);
    assertThat(sent).hasSize(1);
    assertThat(r.answered(sent.get(0))).containsExactly(x, y);
    assertThat(r.answered(sent.get(0))).isNull();
  }

  @Test
  void anUnansweredRoundIsSentAgainWithTheSameContext() {
    ReadRounds r = new ReadRounds(7, 5);
    r.queue(new CompletableFuture<>());
    r.issue(sent::add);
    for (int i = 0; i < 4; i++) {
      r.tick(sent::add);
    }
    assertThat(sent).hasSize(1);
    r.tick(sent::add);
    assertThat(sent).hasSize(2).containsOnly(sent.get(0));
  }

  @Test
  void roundsWhoseReadsTimedOutAreForgotten() {
    ReadRounds r = new ReadRounds(7, 5);
    CompletableFuture<Void> x = new CompletableFuture<>();
    r.queue(x);
    r.issue(sent::add);
    x.completeExceptionally(new RuntimeException("timed out"));
    r.tick(sent::add);
    assertThat(r.pendingRounds()).isZero();
  }

  @Test
  void aLeaderChangeFailsIssuedRoundsButNotQueuedReads() {
    ReadRounds r = new ReadRounds(7, 5);
    CompletableFuture<Void> issued = new CompletableFuture<>();
    CompletableFuture<Void> queued = new CompletableFuture<>();
    r.queue(issued);
    r.issue(sent::add);
    r.queue(queued);
    r.failIssued(new RuntimeException("etcdserver: leader changed"));
    assertThat(issued).isCompletedExceptionally();
    assertThat(queued).isNotDone();
  }
}
