package io.cairn.server.watch;

import io.cairn.proto.mvccpb.Event;

/**
 * One watcher on a stream. Owned by the hub thread. {@code nextRev} is the first revision not yet
 * delivered: a watcher is synced when it exceeds the store's current revision, and catches up from
 * the store's history otherwise, so a slow stream holds a cursor, never a buffer.
 */
final class Watcher {
  final long id;
  final WatchRange range;
  final boolean prevKv;
  final boolean noPut;
  final boolean noDelete;
  final boolean progressNotify;
  final boolean fragment;
  /** The start revision the client asked for; 0: from now. */
  final long startRev;
  long nextRev;
  /** Set when events were sent since the last progress tick (etcd then skips the notification). */
  boolean sentSinceTick;

  Watcher(long id, WatchRange range, long startRev, long nextRev, boolean prevKv, boolean noPut, boolean noDelete,
      boolean progressNotify, boolean fragment) {
    this.id = id;
    this.range = range;
    this.startRev = startRev;
    this.nextRev = nextRev;
    this.prevKv = prevKv;
    this.noPut = noPut;
    this.noDelete = noDelete;
    this.progressNotify = progressNotify;
    this.fragment = fragment;
  }

  boolean synced(long currentRev) {
    return nextRev > currentRev;
  }

  /**
   * Whether a progress notification at {@code currentRev} may go out: synced, and the store has reached the start
   * revision asked for. Otherwise the revision would be below where the client resumed from, and the client may have
   * seen events above it on another member (etcd skips such watchers too, since PR 20229).
   */
  boolean progressDue(long currentRev) {
    return synced(currentRev) && startRev <= currentRev;
  }

  boolean wants(Event e) {
    if (e.getType() == Event.EventType.PUT ? noPut : noDelete) {
      return false;
    }
    return range.contains(e.getKv().getKey());
  }
}
