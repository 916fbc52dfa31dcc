package io.cairn.server.robustness;

import io.cairn.server.robustness.History.Cas;
import io.cairn.server.robustness.History.Delete;
import io.cairn.server.robustness.History.KV;
import io.cairn.server.robustness.History.Op;
import io.cairn.server.robustness.History.Put;
import io.cairn.server.robustness.History.Range;
import io.cairn.server.robustness.History.Request;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Replays revisions base+1..maxRev in order, checking every read at its header revision. A revision
 * with a known writer is applied as is; a gap (a revision no acknowledged or pinned write claims)
 * must be filled by one of the unknown writes, so the search tries each that could have run there
 * and backs out on the first read it contradicts. States already refuted at a gap, keyed by the gap,
 * the set of unknown writes used and the key-space hash, are not explored twice (as in porcupine).
 * When every choice fails, the failure reached at the highest revision is reported, since the
 * furthest any order got is where the history stops making sense.
 */
final class WriteSearch {
  private record Memo(long gap, long used, long state) { }

  private static final class Frame {
    final long gap;
    final List<Op> candidates;
    final int mark;
    int next;
    Op applied;

    Frame(long gap, List<Op> candidates, int mark) {
      this.gap = gap;
      this.candidates = candidates;
      this.mark = mark;
    }
  }

  private final long base;
  private final long maxRev;
  private final Map<Long, Op> fixed;
  private final Map<Long, List<Op>> checksAt;
  private final List<Op> free;
  private final Map<Op, Long> minRev;
  private final Clues clues;
  private final long budget;
  private final KvState state = new KvState();
  private final Map<Op, Long> zobrist = new HashMap<>();
  private final Set<Op> used = new HashSet<>();
  private final Set<Memo> refuted = new HashSet<>();
  private long usedHash;
  private long failedAt = Long.MIN_VALUE;
  private String failure = "no failure recorded";

  WriteSearch(long base, long maxRev, Map<Long, Op> fixed, Map<Long, List<Op>> checksAt, List<Op> free,
      Map<Op, Long> minRev, Clues clues, long budget) {
    this.base = base;
    this.maxRev = maxRev;
    this.fixed = fixed;
    this.checksAt = checksAt;
    this.free = free;
    this.minRev = minRev;
    this.clues = clues;
    this.budget = budget;
    for (Op op : free) {
      zobrist.put(op, KvState.splitmix(op.id() + 0x5DEECE66DL));
    }
  }

  Verdict run() {
    long steps = 0;
    Deque<Frame> stack = new ArrayDeque<>();
    long at = checkAt(base) ? advance(base + 1) : -1;
    while (true) {
      if (at > maxRev) {
        return Verdict.ok();
      }
      if (at >= 0) {
        if (refuted.add(new Memo(at, usedHash, state.hash()))) {
          stack.push(new Frame(at, candidates(at), state.mark()));
        } else {
          at = -1;
          continue;
        }
      }
      // try the next candidate of the innermost open gap, popping exhausted gaps
      at = -1;
      while (at < 0 && !stack.isEmpty()) {
        Frame f = stack.peek();
        release(f);
        while (at < 0 && f.next < f.candidates.size()) {
          if (++steps > budget) {
            return Verdict.inconclusive("search gave up after " + budget + " steps; furthest failure, at revision "
                + failedAt + ": " + failure);
          }
          Op c = f.candidates.get(f.next++);
          String why = applyWrite(c, f.gap);
          if (why != null) {
            fail(f.gap, why);
            state.undo(f.mark);
            continue;
          }
          f.applied = c;
          used.add(c);
          usedHash ^= zobrist.get(c);
          at = checkAt(f.gap) ? advance(f.gap + 1) : -1;
          if (at < 0) {
            release(f);
          }
        }
        if (at < 0) {
          if (f.candidates.isEmpty()) {
            fail(f.gap, "no write can account for revision " + f.gap + ": no acknowledged write has it and no"
                + " unknown write could have produced it there");
          }
          stack.pop();
        }
      }
      if (at < 0) {
        return Verdict.violation(failure);
      }
    }
  }

  private void release(Frame f) {
    state.undo(f.mark);
    if (f.applied != null) {
      used.remove(f.applied);
      usedHash ^= zobrist.get(f.applied);
      f.applied = null;
    }
  }

  /** Applies known writes and checks reads from {@code from} on; the next gap, maxRev+1 at the end, or -1. */
  private long advance(long from) {
    for (long r = from; r <= maxRev; r++) {
      Op w = fixed.get(r);
      if (w == null) {
        return r;
      }
      String why = applyWrite(w, r);
      if (why != null) {
        fail(r, why);
        return -1;
      }
      if (!checkAt(r)) {
        return -1;
      }
    }
    return maxRev + 1;
  }

  /**
   * Unknown writes that may fill gap r: unused, called late enough, on the key a read says was
   * created there, not contradicted by the next read of their key; one per interchangeable kind,
   * the one called latest, since an earlier-called twin fits every gap the later one fits. Latest
   * first: the write that filled a gap was most likely called just before it.
   */
  private List<Op> candidates(long r) {
    String key = clues.createdKey.get(r);
    Map<String, Op> byKind = new HashMap<>();
    List<Op> out = new ArrayList<>();
    for (Op op : free) {
      if (used.contains(op) || minRev.get(op) >= r || clues.contradicts(op, r)) {
        continue;
      }
      if (key != null && !(key.equals(keyOf(op.request())) && !(op.request() instanceof Delete)
          && state.get(key) == null)) {
        continue;
      }
      String kind = clues.kind(op);
      if (kind == null) {
        out.add(op);
      } else {
        byKind.merge(kind, op, (a, b) -> minRev.get(a) >= minRev.get(b) ? a : b);
      }
    }
    out.addAll(byKind.values());
    out.sort(Comparator.comparingLong((Op op) -> minRev.get(op)).reversed().thenComparingInt(Op::id));
    return out;
  }

  private String applyWrite(Op w, long r) {
    Request q = w.request();
    if (q instanceof Put p) {
      state.put(p.key(), p.value(), p.lease(), r, w);
    } else if (q instanceof Delete d) {
      if (state.get(d.key()) == null) {
        return w + " deleted " + d.key() + " at revision " + r + ", but " + d.key() + " did not exist then";
      }
      if (!w.unknown() && w.response().deleted() != 1) {
        return w + " deleted one key, yet reports " + w.response().deleted();
      }
      state.delete(d.key());
    } else if (q instanceof Cas c) {
      long mod = state.modRevision(c.key());
      if (mod != c.expectedModRevision()) {
        return "CAS could not have succeeded: " + w + " at revision " + r
            + ", but mod_revision(" + c.key() + ") was " + mod + describe(state.get(c.key()));
      }
      state.put(c.key(), c.value(), 0, r, w);
    }
    return null;
  }

  /** Checks every read (and write that changed nothing) served at revision h against the state there. */
  private boolean checkAt(long h) {
    List<Op> ops = checksAt.get(h);
    if (ops == null) {
      return true;
    }
    for (Op op : ops) {
      String why = null;
      Request q = op.request();
      if (q instanceof Range r) {
        why = compare(op, r, h);
      } else if (q instanceof Delete d && state.get(d.key()) != null) {
        why = op + " deleted nothing at revision " + h + ", but " + d.key() + " existed" + describe(state.get(d.key()));
      } else if (q instanceof Cas c) {
        if (state.modRevision(c.key()) == c.expectedModRevision()) {
          why = op + " at revision " + h + ", but mod_revision(" + c.key() + ") was "
              + c.expectedModRevision() + " so it should have succeeded";
        } else {
          why = compare(op, new Range(c.key(), false, false), h);
        }
      }
      if (why != null) {
        fail(h, why);
        return false;
      }
    }
    return true;
  }

  private String compare(Op op, Range r, long h) {
    List<KvState.Entry> expected = state.range(r);
    List<KV> want = expected.stream().map(KvState.Entry::kv).collect(Collectors.toList());
    if (want.equals(op.response().kvs())) {
      return null;
    }
    String lost = expected.stream().filter(e -> !op.response().kvs().contains(e.kv()))
        .map(e -> e.kv() + " written by " + e.writer()).collect(Collectors.joining("; "));
    return "wrong read: " + op + " read at revision " + h + " but the state there is " + want
        + (lost.isEmpty() ? "" : "; not seen: " + lost);
  }

  private static String describe(KvState.Entry e) {
    return e == null ? "" : " (" + e.kv() + ", written by " + e.writer() + ")";
  }

  static String keyOf(Request q) {
    if (q instanceof Put p) {
      return p.key();
    }
    if (q instanceof Delete d) {
      return d.key();
    }
    if (q instanceof Cas c) {
      return c.key();
    }
    return ((Range) q).key();
  }

  private void fail(long revision, String why) {
    if (revision > failedAt) {
      failedAt = revision;
      failure = why;
    }
  }
}
