package io.cairn.server.robustness;

import io.cairn.server.robustness.History.Cas;
import io.cairn.server.robustness.History.KV;
import io.cairn.server.robustness.History.Op;
import io.cairn.server.robustness.History.Put;
import io.cairn.server.robustness.History.Range;
import io.cairn.server.robustness.History.Request;
import io.cairn.server.robustness.RealTimeOrder.Placed;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Linearizability of a KV history under etcd's semantics. A generic checker (porcupine, Knossos)
 * searches all interleavings, which is exponential in concurrency; etcd hands us most of the order
 * for free, because every change gets its own store revision and every response carries the header
 * revision it was served at. So:
 * <ol>
 *   <li>Acknowledged writes sit at the revision they returned; two claiming one revision is a
 *       violation. Reads, and writes that changed nothing, sit just after their header revision.
 *   <li>A value read names its write (values are unique), so an unknown write whose value was read
 *       is pinned to the mod_revision it was read at; reads disagreeing about a revision, a value
 *       read at two revisions (applied twice) or never written are reported here, plainly.
 *   <li>{@link RealTimeOrder}: with every place known, real-time order is one sweep.
 *   <li>{@link WriteSearch}: revisions nobody claims are filled by the remaining unknown writes,
 *       searching (with memoization) only over those gaps, while every read is compared with the
 *       state at its header revision. With few ambiguous writes this is linear in the history.
 * </ol>
 * Serializable reads only need to match the state at their own header revision: etcd lets them lag.
 */
final class LinearizabilityChecker {
  private record Seen(KV kv, Op by) { }

  private final long budget;

  LinearizabilityChecker() {
    this(2_000_000);
  }

  /** {@code budget}: how many placements of unknown writes to try before answering INCONCLUSIVE. */
  LinearizabilityChecker(long budget) {
    this.budget = budget;
  }

  Verdict check(History history) {
    long base = history.baseRevision();
    long maxRev = base;
    Map<Long, Op> fixed = new HashMap<>();
    Map<Long, List<Op>> checksAt = new HashMap<>();
    List<Placed> placed = new ArrayList<>();
    List<Op> unknownWrites = new ArrayList<>();
    Map<String, List<Op>> writers = new HashMap<>();
    Map<Long, Seen> seenAt = new LinkedHashMap<>();
    Clues clues = new Clues();
    Map<Long, String> createdKey = clues.createdKey;
    Set<String> keys = new HashSet<>();
    for (Op op : history.ops()) {
      Request q = op.request();
      keys.add(WriteSearch.keyOf(q));
      if (q instanceof Put p) {
        writers.computeIfAbsent(p.key() + "\0" + p.value(), k -> new ArrayList<>()).add(op);
      } else if (q instanceof Cas c) {
        writers.computeIfAbsent(c.key() + "\0" + c.value(), k -> new ArrayList<>()).add(op);
      }
      if (op.unknown()) {
        if (op.isWrite()) {
          unknownWrites.add(op);
        }
        continue;
      }
      long r = op.response().revision();
      if (r < base || (op.mutated() && r == base)) {
        return Verdict.violation(op + " reports revision " + r + ", which the store had before the history began ("
            + base + ")");
      }
      maxRev = Math.max(maxRev, r);
      if (op.mutated()) {
        Op other = fixed.put(r, op);
        if (other != null) {
          return Verdict.violation("revision " + r + " reused: both " + other + " and " + op + " claim it");
        }
        placed.add(new Placed(op, r, true));
      } else {
        checksAt.computeIfAbsent(r, k -> new ArrayList<>()).add(op);
        if (!(q instanceof Range rr && rr.serializable())) {
          placed.add(new Placed(op, r, false));
        }
      }
      Range scope = q instanceof Range rr ? rr : new Range(WriteSearch.keyOf(q), false, false);
      for (KV kv : op.response().kvs()) {
        if (!scope.covers(kv.key()) || kv.modRevision() > r || kv.createRevision() > kv.modRevision()
            || kv.createRevision() <= base || kv.version() < 1) {
          return Verdict.violation(op + " returned " + kv + ", which cannot exist in its range at revision " + r);
        }
        Seen prior = seenAt.putIfAbsent(kv.modRevision(), new Seen(kv, op));
        if (prior != null && !prior.kv().equals(kv)) {
          return Verdict.violation("reads disagree about revision " + kv.modRevision() + ": " + prior.by() + " saw "
              + prior.kv() + ", " + op + " saw " + kv);
        }
        String created = createdKey.putIfAbsent(kv.createRevision(), kv.key());
        if (created != null && !created.equals(kv.key())) {
          return Verdict.violation("reads disagree about revision " + kv.createRevision() + ": " + op
              + " says it created " + kv.key() + ", another read says it created " + created);
        }
      }
    }
    Map<Op, Long> pinned = new HashMap<>();
    for (Map.Entry<Long, Seen> e : seenAt.entrySet()) {
      long m = e.getKey();
      KV kv = e.getValue().kv();
      Op by = e.getValue().by();
      List<Op> ws = writers.get(kv.key() + "\0" + kv.value());
      if (ws == null) {
        return Verdict.violation("read of a value never written: " + by + " returned " + kv
            + ", but no op wrote " + kv.value() + " to " + kv.key());
      }
      Op w = ws.size() == 1 ? ws.get(0) : null;
      if (w != null && !w.unknown() && !w.mutated()) {
        return Verdict.violation(by + " read " + kv + ", the value of " + w + ", which changed nothing");
      }
      if (w != null && !w.unknown() && w.response().revision() != m) {
        return Verdict.violation("write applied twice or under two revisions: " + w + " was acknowledged at revision "
            + w.response().revision() + ", but " + by + " read its value at mod_revision " + m);
      }
      Op at = fixed.get(m);
      if (at != null && !ws.contains(at)) {
        return Verdict.violation(by + " read " + kv + ", but revision " + m + " was written by " + at);
      }
      clues.valuesRead.add(kv.key() + "\0" + kv.value());
      if (w != null && w.unknown()) {
        Long other = pinned.put(w, m);
        if (other != null) {
          return Verdict.violation("write applied twice: the value of " + w + " was read at mod_revision " + other
              + " and at " + m);
        }
        fixed.put(m, w);
        placed.add(new Placed(w, m, true));
      }
    }
    for (Map.Entry<Long, String> e : createdKey.entrySet()) {
      Op at = fixed.get(e.getKey());
      if (at != null && !(at.request() instanceof Put || at.request() instanceof Cas)
          || at != null && !WriteSearch.keyOf(at.request()).equals(e.getValue())) {
        return Verdict.violation("a read says revision " + e.getKey() + " created " + e.getValue() + ", but "
            + at + " wrote that revision");
      }
    }
    List<Op> free = new ArrayList<>();
    for (Op op : unknownWrites) {
      if (!pinned.containsKey(op)) {
        free.add(op);
      }
    }
    long gaps = (maxRev - base) - fixed.size();
    if (gaps > free.size()) {
      long first = base + 1;
      while (fixed.containsKey(first)) {
        first++;
      }
      return Verdict.violation("revisions nobody wrote: " + gaps + " revisions up to " + maxRev
          + " (the first is " + first + ") have no acknowledged write, and only " + free.size()
          + " unknown writes could account for them");
    }
    for (List<Op> reads : checksAt.values()) {
      for (Op op : reads) {
        Range scope = op.request() instanceof Range rr ? rr : new Range(WriteSearch.keyOf(op.request()), false, false);
        for (String k : keys) {
          if (scope.covers(k)) {
            clues.read(k, op.response().revision(), 0);
          }
        }
        for (KV kv : op.response().kvs()) {
          clues.modAt.get(kv.key()).put(op.response().revision(), kv.modRevision());
        }
      }
    }
    Map<Op, Long> minRev = new HashMap<>();
    Verdict order = RealTimeOrder.check(base, placed, free, minRev);
    if (!order.isOk()) {
      return order;
    }
    return new WriteSearch(base, maxRev, fixed, checksAt, free, minRev, clues, budget).run();
  }
}
