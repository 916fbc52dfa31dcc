package io.cairn.raft;

import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.raftpb.Snapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * The tail of the log not yet known to be durable: an optional incoming snapshot followed by
 * entries. Invariants: {@code entries.get(i).getIndex() == offset + i}; if a snapshot is present,
 * {@code offset == snapshot index + 1}; {@code offset <= offsetInProgress <= offset +
 * entries.size()} where entries below offsetInProgress were already handed out in a Ready and
 * are being persisted.
 */
final class UnstableLog {
  Snapshot snapshot;
  boolean snapshotInProgress;
  private final ArrayList<Entry> entries = new ArrayList<>();
  long offset;
  long offsetInProgress;

  UnstableLog(long offset) {
    this.offset = offset;
    this.offsetInProgress = offset;
  }

  /** Index of the first entry if known only here (from a pending snapshot), else -1. */
  long maybeFirstIndex() {
    return snapshot != null ? snapshot.getMetadata().getIndex() + 1 : -1;
  }

  /** Last index if this tail holds entries or a snapshot, else -1. */
  long maybeLastIndex() {
    if (!entries.isEmpty()) {
      return offset + entries.size() - 1;
    }
    return snapshot != null ? snapshot.getMetadata().getIndex() : -1;
  }

  /** Term of entry i if it is held here, else -1. */
  long maybeTerm(long i) {
    if (i < offset) {
      if (snapshot != null && snapshot.getMetadata().getIndex() == i) {
        return snapshot.getMetadata().getTerm();
      }
      return -1;
    }
    long last = maybeLastIndex();
    if (last < 0 || i > last) {
      return -1;
    }
    return entries.get((int) (i - offset)).getTerm();
  }

  /** Entries not yet handed out for persistence. */
  List<Entry> nextEntries() {
    int inProgress = (int) (offsetInProgress - offset);
    if (entries.size() == inProgress) {
      return List.of();
    }
    return new ArrayList<>(entries.subList(inProgress, entries.size()));
  }

  Snapshot nextSnapshot() {
    return snapshot == null || snapshotInProgress ? null : snapshot;
  }

  /** Marks everything currently here as handed out in a Ready. */
  void acceptInProgress() {
    if (!entries.isEmpty()) {
      offsetInProgress = offset + entries.size();
    }
    if (snapshot != null) {
      snapshotInProgress = true;
    }
  }

  /**
   * Entries up to (i, t) are durable. Ignored if entry i has since been replaced (term differs)
   * or is not held here.
   */
  void stableTo(long i, long t) {
    long gt = maybeTerm(i);
    if (gt < 0 || i < offset || gt != t) {
      return;
    }
    int num = (int) (i + 1 - offset);
    entries.subList(0, num).clear();
    offset = i + 1;
    offsetInProgress = Math.max(offsetInProgress, offset);
  }

  void stableSnapTo(long i) {
    if (snapshot != null && snapshot.getMetadata().getIndex() == i) {
      snapshot = null;
      snapshotInProgress = false;
    }
  }

  void restore(Snapshot s) {
    offset = s.getMetadata().getIndex() + 1;
    offsetInProgress = offset;
    entries.clear();
    snapshot = s;
    snapshotInProgress = false;
  }

  /** Appends ents, first dropping any held entries at or after ents[0].index. */
  void truncateAndAppend(List<Entry> ents) {
    long from = ents.get(0).getIndex();
    if (from == offset + entries.size()) {
      entries.addAll(ents);
    } else if (from <= offset) {
      // Replace everything; the stable log below `from` is still valid.
      entries.clear();
      entries.addAll(ents);
      offset = from;
      offsetInProgress = offset;
    } else {
      entries.subList((int) (from - offset), entries.size()).clear();
      entries.addAll(ents);
      offsetInProgress = Math.min(offsetInProgress, from);
    }
  }

  /** Entries in [lo, hi), which must lie within this tail. */
  List<Entry> slice(long lo, long hi) {
    if (lo > hi || lo < offset || hi > offset + entries.size()) {
      throw new IllegalStateException("unstable slice [" + lo + "," + hi + ") out of bounds ["
          + offset + "," + (offset + entries.size()) + ")");
    }
    return entries.subList((int) (lo - offset), (int) (hi - offset));
  }

  int size() {
    return entries.size();
  }
}
