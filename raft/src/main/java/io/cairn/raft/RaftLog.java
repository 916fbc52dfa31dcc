package io.cairn.raft;

import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.raftpb.Snapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * The raft log: durable entries read through {@link RaftStorage} followed by the {@link
 * UnstableLog} tail. Invariants: {@code applied <= applying <= committed <= lastIndex()}; a
 * committed entry is never truncated.
 */
final class RaftLog {
  final RaftStorage storage;
  final UnstableLog unstable;
  /** Highest index known to be stored on a quorum. */
  long committed;
  /** Highest index handed to the application for applying. */
  long applying;
  /** Highest index the application has applied. */
  long applied;
  /** Cap on bytes of committed entries per Ready and in flight to the application. */
  final long maxApplyingEntsSize;
  long applyingEntsSize;
  /** True when applyingEntsSize hit the cap; no more committed entries until some are applied. */
  boolean applyingEntsPaused;

  RaftLog(RaftStorage storage, long maxApplyingEntsSize) {
    this.storage = storage;
    this.maxApplyingEntsSize = maxApplyingEntsSize;
    long first = storage.firstIndex();
    long last = storage.lastIndex();
    this.unstable = new UnstableLog(last + 1);
    this.committed = first - 1;
    this.applying = first - 1;
    this.applied = first - 1;
  }

  /**
   * Handles an append (prev = (index, logTerm)). Returns the index of the last new entry, or -1
   * when the log does not contain prev (the caller rejects).
   */
  long maybeAppend(long index, long logTerm, long leaderCommit, List<Entry> ents) {
    if (!matchTerm(index, logTerm)) {
      return -1;
    }
    long lastNew = index + ents.size();
    long ci = findConflict(ents);
    if (ci != 0) {
      if (ci <= committed) {
        throw new IllegalStateException("entry " + ci + " conflicts with committed entry "
            + committed);
      }
      append(ents.subList((int) (ci - (index + 1)), ents.size()));
    }
    commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  long append(List<Entry> ents) {
    if (ents.isEmpty()) {
      return lastIndex();
    }
    long after = ents.get(0).getIndex() - 1;
    if (after < committed) {
      throw new IllegalStateException("append after " + after + " is below committed "
          + committed);
    }
    unstable.truncateAndAppend(ents);
    return lastIndex();
  }

  /** First index whose term differs from ours (or that we lack); 0 if all match. */
  long findConflict(List<Entry> ents) {
    for (Entry e : ents) {
      if (!matchTerm(e.getIndex(), e.getTerm())) {
        return e.getIndex();
      }
    }
    return 0;
  }

  /**
   * Largest index <= index whose term is <= term (or whose term is unknown). Used to skip a
   * whole divergent term at once when backtracking.
   */
  long findConflictByTerm(long index, long term) {
    for (; index > 0; index--) {
      long t = termOrMinus(index);
      if (t < 0 || t <= term) {
        return index;
      }
    }
    return 0;
  }

  /** Committed entries ready to hand to the application (excluding those already handed). */
  List<Entry> nextCommittedEnts(boolean allowUnstable) {
    if (applyingEntsPaused || hasNextOrInProgressSnapshot()) {
      return List.of();
    }
    long lo = applying + 1;
    long hi = maxAppliableIndex(allowUnstable) + 1;
    if (lo >= hi) {
      return List.of();
    }
    long budget = maxApplyingEntsSize - applyingEntsSize;
    if (budget <= 0) {
      budget = 1;
    }
    return slice(lo, hi, budget);
  }

  boolean hasNextCommittedEnts(boolean allowUnstable) {
    if (applyingEntsPaused || hasNextOrInProgressSnapshot()) {
      return false;
    }
    return applying + 1 < maxAppliableIndex(allowUnstable) + 1;
  }

  private long maxAppliableIndex(boolean allowUnstable) {
    long hi = committed;
    if (!allowUnstable) {
      hi = Math.min(hi, unstable.offset - 1);
    }
    return hi;
  }

  List<Entry> nextUnstableEnts() {
    return unstable.nextEntries();
  }

  boolean hasNextUnstableEnts() {
    return !unstable.nextEntries().isEmpty();
  }

  boolean hasNextOrInProgressUnstableEnts() {
    return unstable.size() > 0;
  }

  Snapshot nextUnstableSnapshot() {
    return unstable.nextSnapshot();
  }

  boolean hasNextUnstableSnapshot() {
    return unstable.nextSnapshot() != null;
  }

  boolean hasNextOrInProgressSnapshot() {
    return unstable.snapshot != null;
  }

  Snapshot snapshot() {
    if (unstable.snapshot != null) {
      return unstable.snapshot;
    }
    return storage.snapshot();
  }

  long firstIndex() {
    long i = unstable.maybeFirstIndex();
    return i >= 0 ? i : storage.firstIndex();
  }

  long lastIndex() {
    long i = unstable.maybeLastIndex();
    return i >= 0 ? i : storage.lastIndex();
  }

  /** Last index known durable on this node (everything below the unstable tail). */
  long stableLastIndex() {
    return unstable.snapshot != null ? unstable.snapshot.getMetadata().getIndex()
        : unstable.offset - 1;
  }

  void commitTo(long toCommit) {
    // Never decrease commit.
    if (committed < toCommit) {
      if (lastIndex() < toCommit) {
        throw new IllegalStateException("tocommit " + toCommit + " is out of range [lastIndex "
            + lastIndex() + "]");
      }
      committed = toCommit;
    }
  }

  void appliedTo(long i, long size) {
    if (committed < i || i < applied) {
      throw new IllegalStateException("applied " + i + " out of range [prevApplied " + applied
          + ", committed " + committed + "]");
    }
    applied = i;
    applying = Math.max(applying, i);
    if (applyingEntsSize > size) {
      applyingEntsSize -= size;
    } else {
      applyingEntsSize = 0;
    }
    applyingEntsPaused = applyingEntsSize >= maxApplyingEntsSize;
  }

  void acceptApplying(long i, long size) {
    if (committed < i) {
      throw new IllegalStateException("applying " + i + " > committed " + committed);
    }
    applying = i;
    applyingEntsSize += size;
    applyingEntsPaused = applyingEntsSize >= maxApplyingEntsSize;
  }

  void stableTo(long i, long t) {
    unstable.stableTo(i, t);
  }

  void stableSnapTo(long i) {
    unstable.stableSnapTo(i);
  }

  void acceptUnstable() {
    unstable.acceptInProgress();
  }

  long lastTerm() {
    return term(lastIndex());
  }

  /** Term of entry i; throws COMPACTED / UNAVAILABLE when outside [firstIndex-1, lastIndex]. */
  long term(long i) {
    long t = unstable.maybeTerm(i);
    if (t >= 0) {
      return t;
    }
    if (i + 1 < firstIndex()) {
      throw new RaftException(RaftException.Code.COMPACTED, "term of " + i);
    }
    if (i > lastIndex()) {
      throw new RaftException(RaftException.Code.UNAVAILABLE, "term of " + i);
    }
    return storage.term(i);
  }

  /** Term of entry i, or -1 if unknown (compacted or beyond the end). */
  long termOrMinus(long i) {
    long t = unstable.maybeTerm(i);
    if (t >= 0) {
      return t;
    }
    if (i + 1 < firstIndex() || i > lastIndex()) {
      return -1;
    }
    try {
      return storage.term(i);
    } catch (RaftException e) {
      return -1;
    }
  }

  long zeroTermOnOutOfBounds(long i) {
    return Math.max(0, termOrMinus(i));
  }

  boolean matchTerm(long i, long t) {
    return termOrMinus(i) == t;
  }

  /** Entries from i to the end, at most maxSize bytes (at least one). */
  List<Entry> entries(long i, long maxSize) {
    if (i > lastIndex()) {
      return List.of();
    }
    return slice(i, lastIndex() + 1, maxSize);
  }

  List<Entry> allEntries() {
    return entries(firstIndex(), Long.MAX_VALUE);
  }

  /** Whether a log ending at (lasti, term) is at least as up to date as ours (§5.4.1). */
  boolean isUpToDate(long lasti, long term) {
    long ourTerm = lastTerm();
    return term > ourTerm || (term == ourTerm && lasti >= lastIndex());
  }

  /** Commits maxIndex if it is beyond committed and of the given (current) term (§5.4.2). */
  boolean maybeCommit(long maxIndex, long term) {
    if (maxIndex > committed && zeroTermOnOutOfBounds(maxIndex) == term) {
      commitTo(maxIndex);
      return true;
    }
    return false;
  }

  void restore(Snapshot s) {
    committed = s.getMetadata().getIndex();
    unstable.restore(s);
  }

  /** Entries in [lo, hi) limited to maxSize bytes (at least one entry if any). */
  List<Entry> slice(long lo, long hi, long maxSize) {
    if (lo > hi) {
      throw new IllegalStateException("invalid slice " + lo + " > " + hi);
    }
    long fi = firstIndex();
    if (lo < fi) {
      throw new RaftException(RaftException.Code.COMPACTED, "slice lo " + lo + " < " + fi);
    }
    if (hi > lastIndex() + 1) {
      throw new IllegalStateException("slice [" + lo + "," + hi + ") out of bound");
    }
    if (lo == hi) {
      return List.of();
    }
    List<Entry> out = new ArrayList<>();
    if (lo < unstable.offset) {
      List<Entry> stored = storage.entries(lo, Math.min(hi, unstable.offset), maxSize);
      out.addAll(stored);
      // Storage stopped early because of the size limit: do not look at the unstable tail.
      if (stored.size() < Math.min(hi, unstable.offset) - lo) {
        return out;
      }
    }
    if (hi > unstable.offset) {
      out.addAll(unstable.slice(Math.max(lo, unstable.offset), hi));
    }
    return Entries.limitSize(out, maxSize);
  }
}
