package io.cairn.raft;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The configuration plus one {@link Progress} per member (voters and learners), and the votes
 * of the current election. Invariant: progress has an entry for exactly the ids in the config.
 */
final class ProgressTracker {
  TrackerConfig config = new TrackerConfig();
  TreeMap<Long, Progress> progress = new TreeMap<>();
  final Map<Long, Boolean> votes = new HashMap<>();
  final int maxInflight;
  final long maxInflightBytes;

  ProgressTracker(int maxInflight, long maxInflightBytes) {
    this.maxInflight = maxInflight;
    this.maxInflightBytes = maxInflightBytes;
  }

  Progress get(long id) {
    return progress.get(id);
  }

  boolean isSingleton() {
    return config.voters.incoming.size() == 1 && !config.voters.isJoint();
  }

  /** The highest index replicated on a quorum of voters (learners do not count). */
  long committed() {
    return config.voters.committedIndex(id -> {
      Progress pr = progress.get(id);
      return pr == null ? -1 : pr.match;
    });
  }

  /** Whether a quorum of voters was recently active; the caller counts itself as active. */
  boolean quorumActive(long self) {
    Map<Long, Boolean> active = new HashMap<>();
    progress.forEach((id, pr) -> {
      if (!pr.isLearner) {
        active.put(id, id == self || pr.recentActive);
      }
    });
    return config.voters.voteResult(active) == VoteResult.WON;
  }

  void resetVotes() {
    votes.clear();
  }

  /** Records a vote; only the first vote from each node counts. */
  void recordVote(long id, boolean v) {
    votes.putIfAbsent(id, v);
  }

  VoteResult tallyVotes() {
    return config.voters.voteResult(votes);
  }

  int[] voteCounts() {
    int granted = 0;
    int rejected = 0;
    for (Map.Entry<Long, Progress> e : progress.entrySet()) {
      if (e.getValue().isLearner) {
        continue;
      }
      Boolean v = votes.get(e.getKey());
      if (v == null) {
        continue;
      }
      if (v) {
        granted++;
      } else {
        rejected++;
      }
    }
    return new int[] {granted, rejected};
  }

  Inflights newInflights() {
    return new Inflights(maxInflight, maxInflightBytes);
  }
}
