package io.cairn.server.robustness;

import io.cairn.server.robustness.History.KV;
import io.cairn.server.robustness.History.Op;
import io.cairn.server.robustness.History.Range;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The key space at one revision, with an undo log so a search can back out of a choice without
 * copying the map, and an incremental 64-bit hash so it can remember states it already refuted.
 */
final class KvState {
  /** A live key and the op that last wrote it, so a mismatch can name the write it expected. */
  record Entry(KV kv, Op writer) { }

  private record Undo(String key, Entry previous) { }

  private final TreeMap<String, Entry> live = new TreeMap<>();
  private final List<Undo> undo = new ArrayList<>();
  private long hash;

  Entry get(String key) {
    return live.get(key);
  }

  /** mod_revision as etcd compares it: 0 for an absent key. */
  long modRevision(String key) {
    Entry e = live.get(key);
    return e == null ? 0 : e.kv().modRevision();
  }

  void put(String key, String value, long lease, long revision, Op writer) {
    Entry prev = live.get(key);
    KV kv = prev == null
        ? new KV(key, value, revision, revision, 1, lease)
        : new KV(key, value, revision, prev.kv().createRevision(), prev.kv().version() + 1, lease);
    set(key, new Entry(kv, writer));
  }

  void delete(String key) {
    set(key, null);
  }

  private void set(String key, Entry next) {
    Entry prev = next == null ? live.remove(key) : live.put(key, next);
    undo.add(new Undo(key, prev));
    hash ^= mix(prev) ^ mix(next);
  }

  int mark() {
    return undo.size();
  }

  void undo(int mark) {
    while (undo.size() > mark) {
      Undo u = undo.remove(undo.size() - 1);
      Entry cur = u.previous() == null ? live.remove(u.key()) : live.put(u.key(), u.previous());
      hash ^= mix(cur) ^ mix(u.previous());
    }
  }

  long hash() {
    return hash;
  }

  /** The entries a range reads, in key order as etcd returns them. */
  List<Entry> range(Range r) {
    if (!r.prefix()) {
      Entry e = live.get(r.key());
      return e == null ? List.of() : List.of(e);
    }
    List<Entry> out = new ArrayList<>();
    for (Map.Entry<String, Entry> e : live.tailMap(r.key(), true).entrySet()) {
      if (!e.getKey().startsWith(r.key())) {
        break;
      }
      out.add(e.getValue());
    }
    return out;
  }

  private static long mix(Entry e) {
    if (e == null) {
      return 0;
    }
    KV kv = e.kv();
    long h = kv.key().hashCode() * 0x9E3779B97F4A7C15L;
    h = splitmix(h ^ kv.value().hashCode());
    h = splitmix(h ^ kv.modRevision());
    h = splitmix(h ^ kv.createRevision());
    h = splitmix(h ^ kv.version());
    return splitmix(h ^ kv.lease());
  }

  static long splitmix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
