package io.cairn.server.robustness;

import io.cairn.server.robustness.History.KV;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * etcd's watch guarantees, checked against the committed writes: ordered (revisions never go back),
 * unique (no event twice), atomic (a revision's events arrive together, in one response), reliable
 * (no gap between the start revision and the last revision delivered), resumable (a watch restarted
 * from R+1 after seeing R continues as if never cut), and every event equal to the write it reports,
 * with prev_kv when asked. Expected events are derived by replaying the writes, so create_revision,
 * version and prev_kv are checked without trusting the server for them.
 */
final class WatchValidator {
  enum Type { PUT, DELETE }

  /** One key changed by one revision; writes of a txn share a revision and keep their order. */
  record Write(long revision, String key, Type type, String value, long lease) {
    static Write put(long revision, String key, String value) {
      return new Write(revision, key, Type.PUT, value, 0);
    }

    static Write delete(long revision, String key) {
      return new Write(revision, key, Type.DELETE, "", 0);
    }
  }

  /** As etcd sends it: a DELETE's kv holds only the key and mod_revision; prevKv null when absent. */
  record Event(Type type, KV kv, KV prevKv) {
    @Override
    public String toString() {
      return type + " " + kv + (prevKv == null ? "" : " prev " + prevKv);
    }
  }

  /**
   * One watch and what it got, response by response. {@code startRevision} is the first revision it
   * asked for; for a watch from "now", pass its creation header revision + 1.
   */
  record Watch(String name, String key, boolean prefix, long startRevision, boolean prevKv,
               List<List<Event>> responses) {
    boolean covers(String k) {
      return prefix ? k.startsWith(key) : k.equals(key);
    }
  }

  private record Expected(int index, long revision, String key, Event event) { }

  private final List<Expected> all = new ArrayList<>();
  private final Map<String, Expected> byRevisionKey = new HashMap<>();

  WatchValidator(long baseRevision, List<Write> committed) {
    KvState kv = new KvState();
    long last = baseRevision;
    for (Write w : committed) {
      if (w.revision() < last || w.revision() == baseRevision) {
        throw new IllegalArgumentException("committed writes out of revision order at " + w);
      }
      last = w.revision();
      KvState.Entry prev = kv.get(w.key());
      KV before = prev == null ? null : prev.kv();
      Event e;
      if (w.type() == Type.PUT) {
        kv.put(w.key(), w.value(), w.lease(), w.revision(), null);
        e = new Event(Type.PUT, kv.get(w.key()).kv(), before);
      } else {
        if (before == null) {
          throw new IllegalArgumentException("a delete of an absent key makes no event: " + w);
        }
        kv.delete(w.key());
        e = new Event(Type.DELETE, new KV(w.key(), "", w.revision(), 0, 0), before);
      }
      Expected x = new Expected(all.size(), w.revision(), w.key(), e);
      all.add(x);
      byRevisionKey.put(w.revision() + "\0" + w.key(), x);
    }
  }

  /** The events a watch on this range from {@code from} must deliver, in order; for building tests. */
  List<Event> expected(String key, boolean prefix, long from, boolean prevKv) {
    Watch w = new Watch("", key, prefix, from, prevKv, List.of());
    return all.stream().filter(x -> x.revision() >= from && w.covers(x.key())).map(x -> as(w, x)).toList();
  }

  /** A watch cut and restarted, each segment from the revision after the last one seen before. */
  Verdict validateResumed(List<Watch> segments) {
    Watch first = segments.get(0);
    List<List<Event>> responses = new ArrayList<>();
    long next = first.startRevision();
    for (Watch s : segments) {
      if (s.startRevision() != next || !s.key().equals(first.key()) || s.prefix() != first.prefix()
          || s.prevKv() != first.prevKv()) {
        return Verdict.violation(s.name() + " does not resume " + first.name() + ": it starts at revision "
            + s.startRevision() + " on " + s.key() + (s.prefix() ? "*" : "") + ", expected " + next);
      }
      Verdict own = validate(s);
      if (!own.isOk()) {
        return own;
      }
      for (List<Event> r : s.responses()) {
        responses.add(r);
        for (Event e : r) {
          next = Math.max(next, e.kv().modRevision() + 1);
        }
      }
    }
    return validate(new Watch(first.name() + " resumed " + (segments.size() - 1) + " times", first.key(),
        first.prefix(), first.startRevision(), first.prevKv(), responses));
  }

  Verdict validate(Watch w) {
    Set<Expected> seen = new HashSet<>();
    Map<Long, Integer> responseOf = new HashMap<>();
    Expected last = null;
    for (int i = 0; i < w.responses().size(); i++) {
      for (Event e : w.responses().get(i)) {
        long rev = e.kv().modRevision();
        String where = w.name() + " (response " + i + "): " + e;
        if (rev < w.startRevision()) {
          return Verdict.violation("event before the start revision " + w.startRevision() + ": " + where);
        }
        Expected x = byRevisionKey.get(rev + "\0" + e.kv().key());
        if (x == null || !w.covers(x.key())) {
          return Verdict.violation("event no watched write produced: " + where);
        }
        if (!seen.add(x)) {
          return Verdict.violation("duplicate event: " + where + " was already delivered");
        }
        if (last != null && x.index() < last.index()) {
          return Verdict.violation("out of order: " + where + " came after " + last.event());
        }
        last = x;
        Event want = as(w, x);
        if (!want.equals(e)) {
          return Verdict.violation("wrong content: " + where + ", but the write was " + want);
        }
        Integer other = responseOf.putIfAbsent(rev, i);
        if (other != null && other != i) {
          return Verdict.violation("split revision " + rev + ": " + w.name() + " got its events in responses "
              + other + " and " + i);
        }
      }
    }
    if (last == null) {
      return Verdict.ok();
    }
    for (Expected x : all) {
      if (x.revision() > last.revision()) {
        break;
      }
      if (x.revision() >= w.startRevision() && w.covers(x.key()) && !seen.contains(x)) {
        String kind = responseOf.containsKey(x.revision()) ? "revision " + x.revision() + " delivered partially"
            : "gap";
        return Verdict.violation(kind + ": " + w.name() + " never got " + as(w, x) + ", though it got revision "
            + last.revision());
      }
    }
    return Verdict.ok();
  }

  /**
   * A progress notification on a watch, received after its first {@code afterResponses} event responses: it says
   * every event through {@code revision} was delivered (etcd sends one only once the watch is synced).
   */
  record Bookmark(int afterResponses, long revision) {}

  /**
   * Bookmarkable, as etcd's robustness suite checks it: no event at or below a progress notification's revision comes
   * after it, and none is missing. Progress revisions need not rise: a watch resumed on a member that is behind
   * hears that member's (lower) revision, which is still true.
   */
  Verdict validateBookmarks(Watch w, List<Bookmark> marks) {
    for (Bookmark b : marks) {
      Set<String> delivered = new HashSet<>();
      for (List<Event> r : w.responses().subList(0, Math.min(b.afterResponses(), w.responses().size()))) {
        for (Event e : r) {
          delivered.add(e.kv().modRevision() + "\0" + e.kv().key());
        }
      }
      for (Expected x : all) {
        if (x.revision() > b.revision()) {
          break;
        }
        if (x.revision() >= w.startRevision() && w.covers(x.key())
            && !delivered.contains(x.revision() + "\0" + x.key())) {
          return Verdict.violation(w.name() + ": a progress notification at revision " + b.revision()
              + " came before the event " + as(w, x));
        }
      }
    }
    return Verdict.ok();
  }

  private static Event as(Watch w, Expected x) {
    return w.prevKv() ? x.event() : new Event(x.event().type(), x.event().kv(), null);
  }
}
