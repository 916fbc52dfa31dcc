package io.cairn.storage.mvcc;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * The hashes taken at the last compactions (etcd 3.6's hash storage, kept for its CompactHashCheck): each is HashKV
 * at the new compact revision C over the history as it was before the compaction, with the previous compact revision
 * P as its {@code compactRevision}. Members that compacted the same history to the same C have the same hash, however
 * far each one's physical compaction got. Bounded: the newest {@value #KEPT}, as etcd keeps; in memory only, as etcd.
 */
public final class CompactionHashes {
  static final int KEPT = 10;
  private final Deque<StoreHash> newestFirst = new ArrayDeque<>();

  synchronized void add(StoreHash h) {
    newestFirst.addFirst(h);
    while (newestFirst.size() > KEPT) {
      newestFirst.removeLast();
    }
  }

  /** The hash taken when compacting to {@code revision}, if it is still kept. */
  public synchronized Optional<StoreHash> at(long revision) {
    return newestFirst.stream().filter(h -> h.hashRevision() == revision).findFirst();
  }

  /** The kept hashes above {@code revision}, newest first. */
  public synchronized List<StoreHash> above(long revision) {
    List<StoreHash> out = new ArrayList<>();
    for (StoreHash h : newestFirst) {
      if (h.hashRevision() > revision) {
        out.add(h);
      }
    }
    return out;
  }
}
