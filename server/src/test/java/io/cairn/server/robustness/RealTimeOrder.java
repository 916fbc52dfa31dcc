package io.cairn.server.robustness;

import io.cairn.server.robustness.History.Op;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Real-time order over ops whose place in the revision order is already fixed. A write that made
 * revision r sits at r; a read (or a write that changed nothing) with header revision h sits just
 * after write h. If A returned before B was called, A must not sit after B: otherwise B is a stale
 * read, a revision went backwards, or a write claims a revision older than something already
 * observed. One sweep in call order against the highest place among ops returned so far makes it
 * O(n log n) instead of comparing all pairs. Serializable reads are left out: etcd lets them lag.
 */
final class RealTimeOrder {
  /** An op at its fixed place; {@code write} marks a revision it created. */
  record Placed(Op op, long revision, boolean write) {
    long pos() {
      return 2 * revision + (write ? 0 : 1);
    }
  }

  private RealTimeOrder() { }

  /**
   * Checks the placed ops and, for each unknown write in {@code unplaced}, records in {@code minRev}
   * the revision it must come after: the highest revision any op that returned before its call had
   * reached (an unknown write has no return, so nothing bounds it from above).
   */
  static Verdict check(long base, List<Placed> placed, List<Op> unplaced, Map<Op, Long> minRev) {
    record Caller(Op op, Placed placed) { }
    List<Caller> byCall = new ArrayList<>();
    List<Placed> byRet = new ArrayList<>();
    for (Placed p : placed) {
      byCall.add(new Caller(p.op(), p));
      if (!p.op().unknown()) {
        byRet.add(p);
      }
    }
    for (Op op : unplaced) {
      byCall.add(new Caller(op, null));
    }
    byCall.sort(Comparator.comparingLong((Caller c) -> c.op().call()).thenComparingInt(c -> c.op().id()));
    byRet.sort(Comparator.comparingLong((Placed p) -> p.op().ret()));
    Placed max = null;
    int j = 0;
    for (Caller b : byCall) {
      while (j < byRet.size() && byRet.get(j).op().ret() < b.op().call()) {
        Placed a = byRet.get(j++);
        if (max == null || a.pos() > max.pos()) {
          max = a;
        }
      }
      if (b.placed() == null) {
        minRev.put(b.op(), max == null ? base : max.revision());
      } else if (max != null && max.pos() > b.placed().pos()) {
        return Verdict.violation(explain(max, b.placed()));
      }
    }
    return Verdict.ok();
  }

  private static String explain(Placed a, Placed b) {
    String order = "A = " + a.op() + " returned before B = " + b.op() + " was called, ";
    if (a.write() && !b.write()) {
      return "stale read: " + order + "yet B reads revision " + b.revision()
          + ", older than the revision " + a.revision() + " A wrote";
    }
    if (!a.write() && !b.write()) {
      return "revision went backwards: " + order + "yet B reads revision " + b.revision()
          + ", older than the revision " + a.revision() + " A read";
    }
    if (!a.write()) {
      return "read from the future: " + order + "yet A read revision " + a.revision()
          + " which already includes B's write at revision " + b.revision();
    }
    return "write order contradicts real time: " + order + "yet B has revision " + b.revision()
        + ", older than A's revision " + a.revision();
  }
}
