package io.cairn.server.robustness;

import io.cairn.server.robustness.History.Cas;
import io.cairn.server.robustness.History.Delete;
import io.cairn.server.robustness.History.Op;
import io.cairn.server.robustness.History.Put;
import io.cairn.server.robustness.History.Request;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the reads reveal about unknown writes, used to prune the search before a wrong placement is
 * found out many revisions later: which key each read revision created, the mod_revision of every
 * key at every header revision a read covered it (0 when absent), and which values were ever read.
 */
final class Clues {
  final Map<Long, String> createdKey = new HashMap<>();
  final Map<String, TreeMap<Long, Long>> modAt = new HashMap<>();
  final Set<String> valuesRead = new HashSet<>();

  void read(String key, long header, long mod) {
    modAt.computeIfAbsent(key, k -> new TreeMap<>()).putIfAbsent(header, mod);
  }

  /**
   * Whether writing {@code op}'s key at revision r contradicts the first read of that key at or
   * after r: if it shows the key written before r, nothing wrote the key at r.
   */
  boolean contradicts(Op op, long r) {
    TreeMap<Long, Long> seen = modAt.get(WriteSearch.keyOf(op.request()));
    Map.Entry<Long, Long> next = seen == null ? null : seen.ceilingEntry(r);
    return next != null && next.getValue() != 0 && next.getValue() < r;
  }

  /**
   * Unknown writes whose effect no read can tell apart (same kind, key and lease or expected
   * revision, value never read) are interchangeable: the search need try only one of them.
   * Null when the op is one of a kind.
   */
  String kind(Op op) {
    Request q = op.request();
    if (q instanceof Delete d) {
      return "d\0" + d.key();
    }
    if (q instanceof Put p && !valuesRead.contains(p.key() + "\0" + p.value())) {
      return "p\0" + p.key() + "\0" + p.lease();
    }
    if (q instanceof Cas c && !valuesRead.contains(c.key() + "\0" + c.value())) {
      return "c\0" + c.key() + "\0" + c.expectedModRevision();
    }
    return null;
  }
}
