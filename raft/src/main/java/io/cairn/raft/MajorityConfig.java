package io.cairn.raft;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;

/**
 * A set of voters decided by simple majority. Iteration is in id order so that every output
 * derived from it is deterministic.
 */
final class MajorityConfig {
  final TreeSet<Long> ids;

  MajorityConfig() {
    this.ids = new TreeSet<>();
  }

  MajorityConfig(java.util.Collection<Long> ids) {
    this.ids = new TreeSet<>(ids);
  }

  MajorityConfig copy() {
    return new MajorityConfig(ids);
  }

  int size() {
    return ids.size();
  }

  /**
   * The largest index acknowledged by a majority. An empty config returns Long.MAX_VALUE so that
   * it never constrains a joint config. Missing acks count as 0.
   */
  long committedIndex(AckedIndexer acked) {
    int n = ids.size();
    if (n == 0) {
      return Long.MAX_VALUE;
    }
    long[] srt = new long[n];
    int i = 0;
    for (long id : ids) {
      srt[i++] = Math.max(0, acked.ackedIndex(id));
    }
    Arrays.sort(srt);
    // With ascending order, the element at n - (n/2 + 1) is acked by a majority (n/2 + 1 nodes).
    return srt[n - (n / 2 + 1)];
  }

  /** WON with a majority of yes, LOST when a majority can no longer be reached. Empty wins. */
  VoteResult voteResult(Map<Long, Boolean> votes) {
    if (ids.isEmpty()) {
      return VoteResult.WON;
    }
    int yes = 0;
    int missing = 0;
    for (long id : ids) {
      Boolean v = votes.get(id);
      if (v == null) {
        missing++;
      } else if (v) {
        yes++;
      }
    }
    int q = ids.size() / 2 + 1;
    if (yes >= q) {
      return VoteResult.WON;
    }
    if (yes + missing >= q) {
      return VoteResult.PENDING;
    }
    return VoteResult.LOST;
  }

  @Override
  public String toString() {
    return ids.toString().replace(" ", "");
  }
}
