package io.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Property tests (QuickTheories) of the quorum arithmetic against naive models: commit indexes of
 * simple and joint configurations by brute force over candidate indexes, and vote results by
 * enumerating every completion of the missing votes. Also the in-flight window against a list.
 */
class QuorumPropertiesTest {
  static final int IDS = 7;
  static final long MAX_INDEX = 12;

  /** A voter set: distinct ids in 1..IDS (possibly empty). */
  static Gen<Set<Long>> voterSets() {
    return lists().of(integers().between(1, IDS)).ofSizeBetween(0, IDS)
        .map(l -> {
          Set<Long> s = new LinkedHashSet<>();
          l.forEach(i -> s.add((long) i));
          return s;
        });
  }

  /** Acked index per id (index id-1); -1 means unknown. */
  static Gen<List<Integer>> acks() {
    return lists().of(integers().between(-1, (int) MAX_INDEX)).ofSize(IDS);
  }

  /** Vote per id (index id-1): 0 missing, 1 yes, 2 no. */
  static Gen<List<Integer>> votes() {
    return lists().of(integers().between(0, 2)).ofSize(IDS);
  }

  static AckedIndexer indexer(List<Integer> acks) {
    return id -> acks.get((int) id - 1);
  }

  static boolean acked(Set<Long> ids, List<Integer> acks, long idx) {
    if (ids.isEmpty()) {
      return true;
    }
    int n = 0;
    for (long id : ids) {
      if (Math.max(0, acks.get((int) id - 1)) >= idx) {
        n++;
      }
    }
    return n >= ids.size() / 2 + 1;
  }

  /** Largest index acknowledged by a majority of every non-empty half; MAX if all empty. */
  static long naiveCommitted(List<Set<Long>> halves, List<Integer> acks) {
    if (halves.stream().allMatch(Set::isEmpty)) {
      return Long.MAX_VALUE;
    }
    long best = 0;
    for (long idx = 0; idx <= MAX_INDEX; idx++) {
      final long i = idx;
      if (halves.stream().allMatch(h -> acked(h, acks, i))) {
        best = idx;
      }
    }
    return best;
  }

  static boolean wins(Set<Long> ids, Map<Long, Boolean> complete) {
    if (ids.isEmpty()) {
      return true;
    }
    long yes = ids.stream().filter(id -> complete.getOrDefault(id, false)).count();
    return yes >= ids.size() / 2 + 1;
  }

  /** WON if every completion of the missing votes wins all halves, LOST if none does. */
  static VoteResult naiveVote(List<Set<Long>> halves, List<Integer> votes) {
    Set<Long> all = new LinkedHashSet<>();
    halves.forEach(all::addAll);
    List<Long> missing = new ArrayList<>();
    Map<Long, Boolean> known = new HashMap<>();
    for (long id : all) {
      int v = votes.get((int) id - 1);
      if (v == 0) {
        missing.add(id);
      } else {
        known.put(id, v == 1);
      }
    }
    boolean anyWin = false;
    boolean anyLoss = false;
    for (int mask = 0; mask < (1 << missing.size()); mask++) {
      Map<Long, Boolean> c = new HashMap<>(known);
      for (int b = 0; b < missing.size(); b++) {
        c.put(missing.get(b), (mask & (1 << b)) != 0);
      }
      if (halves.stream().allMatch(h -> wins(h, c))) {
        anyWin = true;
      } else {
        anyLoss = true;
      }
    }
    if (anyWin && !anyLoss) {
      return VoteResult.WON;
    }
    return anyWin ? VoteResult.PENDING : VoteResult.LOST;
  }

  static Map<Long, Boolean> voteMap(List<Integer> votes) {
    Map<Long, Boolean> m = new HashMap<>();
    for (int i = 0; i < votes.size(); i++) {
      if (votes.get(i) != 0) {
        m.put((long) i + 1, votes.get(i) == 1);
      }
    }
    return m;
  }

  @Test
  void majorityCommittedIndexMatchesNaiveModel() {
    qt().withExamples(5000).forAll(voterSets(), acks()).checkAssert((ids, acks) ->
        assertThat(new MajorityConfig(ids).committedIndex(indexer(acks)))
            .isEqualTo(naiveCommitted(List.of(ids), acks)));
  }

  @Test
  void jointCommittedIndexMatchesNaiveModel() {
    qt().withExamples(5000).forAll(voterSets(), voterSets(), acks()).checkAssert(
        (in, out, acks) -> assertThat(new JointConfig(new MajorityConfig(in),
            new MajorityConfig(out)).committedIndex(indexer(acks)))
            .isEqualTo(naiveCommitted(List.of(in, out), acks)));
  }

  @Test
  void majorityVoteResultMatchesNaiveModel() {
    qt().withExamples(5000).forAll(voterSets(), votes()).checkAssert((ids, votes) ->
        assertThat(new MajorityConfig(ids).voteResult(voteMap(votes)))
            .isEqualTo(naiveVote(List.of(ids), votes)));
  }

  @Test
  void jointVoteResultMatchesNaiveModel() {
    qt().withExamples(5000).forAll(voterSets(), voterSets(), votes()).checkAssert(
        (in, out, votes) -> assertThat(new JointConfig(new MajorityConfig(in),
            new MajorityConfig(out)).voteResult(voteMap(votes)))
            .isEqualTo(naiveVote(List.of(in, out), votes)));
  }

  @Test
  void committedIndexIsMonotoneInAcks() {
    // Raising any single ack never lowers the commit index.
    qt().withExamples(3000).forAll(voterSets(), voterSets(), acks(), integers().between(0, 6))
        .checkAssert((in, out, acks, who) -> {
          JointConfig jc = new JointConfig(new MajorityConfig(in), new MajorityConfig(out));
          long before = jc.committedIndex(indexer(acks));
          List<Integer> raised = new ArrayList<>(acks);
          raised.set(who, (int) MAX_INDEX);
          assertThat(jc.committedIndex(indexer(raised))).isGreaterThanOrEqualTo(before);
        });
  }

  /** Ops: 0..9 add (with the next index), 10..14 freeLE(random), 15 freeFirstOne. */
  @Test
  void inflightsMatchListModel() {
    qt().withExamples(2000).forAll(lists().of(integers().between(0, 15)).ofSizeBetween(1, 60),
        integers().between(1, 6), integers().between(0, 30)).checkAssert((ops, cap, maxBytes) -> {
          Inflights in = new Inflights(cap, maxBytes);
          List<long[]> model = new ArrayList<>();
          long next = 1;
          for (int op : ops) {
            if (op < 10) {
              long size = op;
              if (in.full()) {
                continue;
              }
              in.add(next, size);
              model.add(new long[] {next, size});
              next += 1 + op % 3;
            } else if (op < 15) {
              long to = next - 1 - (op - 10);
              in.freeLE(to);
              model.removeIf(e -> e[0] <= to);
            } else {
              in.freeFirstOne();
              if (!model.isEmpty()) {
                model.remove(0);
              }
            }
            long bytes = model.stream().mapToLong(e -> e[1]).sum();
            assertThat(in.count()).isEqualTo(model.size());
            assertThat(in.bytes()).isEqualTo(bytes);
            assertThat(in.full()).isEqualTo(model.size() == cap
                || (maxBytes != 0 && bytes >= maxBytes));
          }
        });
  }
}
