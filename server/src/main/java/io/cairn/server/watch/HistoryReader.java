package io.cairn.server.watch;

import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.mvccpb.Event;
import io.cairn.proto.mvccpb.KeyValue;
import io.cairn.storage.mvcc.MvccException;
import io.cairn.storage.mvcc.MvccStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the store's revision-ordered history for the hub, one bounded batch at a time, and caches
 * each batch for one dispatch round so that all watchers at the same position share one read.
 */
final class HistoryReader {
  /** Revisions per catch-up batch, as etcd bounds its unsynced batches. */
  static final int MAX_REVISIONS_PER_BATCH = 1000;
  /** Bytes of keys and values per catch-up batch (about), so large values cannot make one batch exhaust the heap. */
  static final long MAX_BATCH_BYTES = 4L << 20;

  /** Events of revisions [from, next), all at or below the round's current revision. */
  record Batch(List<Event> events, long next) {}

  private final MvccStore store;
  private final Map<Long, Batch> round = new HashMap<>();
  /** Events with their prev_kv attached, this round: every prev_kv watcher of an event shares one read. */
  private final Map<Event, Event> withPrevious = new java.util.IdentityHashMap<>();
  private long roundRev;

  HistoryReader(MvccStore store) {
    this.store = store;
  }

  /** Starts a dispatch round at {@code currentRev}; batches read in the round end there. */
  void startRound(long currentRev) {
    round.clear();
    withPrevious.clear();
    roundRev = currentRev;
  }

  /** The batch starting at {@code from}; throws MvccException when {@code from} was compacted. */
  Batch batch(long from) {
    Batch b = round.get(from);
    if (b == null) {
      b = read(from);
      round.put(from, b);
    }
    return b;
  }

  private Batch read(long from) {
    List<Event> all = store.changesSince(from, MAX_REVISIONS_PER_BATCH, MAX_BATCH_BYTES);
    long bytes = 0;
    for (Event e : all) {
      bytes += e.getKv().getKey().size() + e.getKv().getValue().size();
    }
    List<Event> events = new ArrayList<>(all.size());
    long distinct = 0;
    long last = -1;
    for (Event e : all) {
      long rev = e.getKv().getModRevision();
      if (rev > roundRev) {
        break; // written after the round started: the next round delivers it
      }
      if (rev != last) {
        distinct++;
        last = rev;
      }
      events.add(e);
    }
    // a batch cut by count or size resumes after its last revision; otherwise it read up to the round's revision
    boolean cut = distinct >= MAX_REVISIONS_PER_BATCH || bytes >= MAX_BATCH_BYTES;
    long next = cut && last >= 0 ? last + 1 : roundRev + 1;
    return new Batch(events, next);
  }

  /** {@code e} (an event of this round's batches) with its prev_kv, read once per round however many ask. */
  Event withPrevious(Event e) {
    return withPrevious.computeIfAbsent(e, ev -> {
      KeyValue prev = previous(ev);
      return prev == null ? ev : ev.toBuilder().setPrevKv(prev).build();
    });
  }

  /** The key's value just before {@code e}, as etcd attaches it for prev_kv; null if none or compacted. */
  private KeyValue previous(Event e) {
    if (e.getType() == Event.EventType.PUT && e.getKv().getVersion() == 1) {
      return null; // a create has no previous version
    }
    try {
      RangeResponse r = store.range(RangeRequest.newBuilder().setKey(e.getKv().getKey())
          .setRevision(e.getKv().getModRevision() - 1).build());
      return r.getKvsCount() == 0 ? null : r.getKvs(0);
    } catch (MvccException compacted) {
      return null;
    }
  }
}
