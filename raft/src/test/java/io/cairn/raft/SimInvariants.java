package io.cairn.raft;

import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.raftpb.Snapshot;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Global safety checks of the simulation, run on every Ready and after every event:
 *
 * <ul>
 *   <li>election safety: at most one leader per term;
 *   <li>log matching: an (index, term) pair determines the entry and the term before it, so two
 *       logs that share an (index, term) agree on everything up to it;
 *   <li>committed entries never change: every entry any node ever committed is recorded, and
 *       every later commit or apply of that index must match; a new leader holds them all
 *       (leader completeness);
 *   <li>state machine safety: every node applies the same entry at each index and reaches the
 *       same state hash, and only applies committed entries, in order.
 * </ul>
 */
final class SimInvariants {
  private record Key(long index, long term) {}

  private record Stored(Entry entry, long prevTerm) {}

  private final Simulation sim;
  private final Map<Long, Long> leaderOfTerm = new HashMap<>();
  private final Map<Key, Stored> everStored = new HashMap<>();
  /** index -> entry committed at that index (by any node, at any time). */
  final TreeMap<Long, Entry> committed = new TreeMap<>();
  /** index -> state hash after applying it. */
  private final Map<Long, Long> stateHash = new HashMap<>();

  SimInvariants(Simulation sim) {
    this.sim = sim;
  }

  long maxCommitted() {
    return committed.isEmpty() ? 0 : committed.lastKey();
  }

  void onReady(SimNode n, Ready rd) {
    if (rd.softState() != null && rd.softState().role() == StateRole.LEADER) {
      checkLeader(n);
    }
  }

  /** After every event. */
  void check(Iterable<SimNode> nodes) {
    for (SimNode n : nodes) {
      if (!n.isUp()) {
        continue;
      }
      Raft r = n.raft();
      if (r.state == StateRole.LEADER) {
        checkLeader(n);
      }
      checkCommitted(n);
    }
  }

  private void checkLeader(SimNode n) {
    Raft r = n.raft();
    Long prev = leaderOfTerm.putIfAbsent(r.term, n.id);
    if (prev != null && prev != n.id) {
      sim.fail("election safety: term " + r.term + " has leaders " + prev + " and " + n.id);
    }
    if (n.checkedLeaderTerm == r.term) {
      return;
    }
    n.checkedLeaderTerm = r.term;
    // Leader completeness: the new leader holds every entry committed so far.
    long max = maxCommitted();
    if (r.log.lastIndex() < max) {
      sim.fail("leader completeness: leader " + n.id + " term " + r.term + " last index "
          + r.log.lastIndex() + " < committed " + max);
    }
    for (long i = Math.max(r.log.firstIndex(), 1); i <= max; i++) {
      Entry c = committed.get(i);
      if (c != null && r.log.termOrMinus(i) != c.getTerm()) {
        sim.fail("leader completeness: leader " + n.id + " term " + r.term + " has term "
            + r.log.termOrMinus(i) + " at committed index " + i + " (committed term "
            + c.getTerm() + ")");
      }
    }
  }

  private void checkCommitted(SimNode n) {
    Raft r = n.raft();
    long c = r.log.committed;
    if (c <= n.checkedCommit) {
      return;
    }
    long from = Math.max(n.checkedCommit + 1, r.log.firstIndex());
    if (from <= c) {
      for (Entry e : r.log.slice(from, c + 1, Long.MAX_VALUE)) {
        recordCommitted(n, e);
      }
    }
    n.checkedCommit = c;
  }

  private void recordCommitted(SimNode n, Entry e) {
    Entry prev = committed.putIfAbsent(e.getIndex(), e);
    if (prev != null && !prev.equals(e)) {
      sim.fail("committed entry changed at index " + e.getIndex() + ": was "
          + Describe.entry(prev) + ", node " + n.id + " committed " + Describe.entry(e));
    }
  }

  /** Log matching, checked on every entry written to any disk. */
  void onPersist(SimNode n, List<Entry> ents) {
    long prevTerm;
    long first = ents.get(0).getIndex();
    if (first - 1 == 0) {
      prevTerm = 0;
    } else if (first - 1 > n.disk.lastIndex() || first - 1 < n.disk.firstIndex() - 1) {
      sim.fail("node " + n.id + " persists entries from " + first + " with disk ["
          + n.disk.firstIndex() + "," + n.disk.lastIndex() + "]");
      return;
    } else {
      prevTerm = n.disk.term(first - 1);
    }
    for (Entry e : ents) {
      Stored s = new Stored(e, prevTerm);
      Stored old = everStored.putIfAbsent(new Key(e.getIndex(), e.getTerm()), s);
      if (old != null && !old.equals(s)) {
        sim.fail("log matching: node " + n.id + " stores " + Describe.entry(e) + " after term "
            + prevTerm + " but another log had " + Describe.entry(old.entry) + " after term "
            + old.prevTerm);
      }
      prevTerm = e.getTerm();
    }
  }

  void onSnapshotPersist(SimNode n, Snapshot s) {
    long idx = s.getMetadata().getIndex();
    Entry c = committed.get(idx);
    if (c != null && c.getTerm() != s.getMetadata().getTerm()) {
      sim.fail("snapshot at " + idx + " term " + s.getMetadata().getTerm()
          + " disagrees with committed term " + c.getTerm());
    }
    Long h = stateHash.get(idx);
    long sh = s.getData().size() < 16 ? 0 : s.getData().asReadOnlyByteBuffer().getLong(8);
    if (h != null && h != sh) {
      sim.fail("snapshot at " + idx + " has a different state than nodes that applied it");
    }
  }

  void onApply(SimNode n, Entry e, long hashAfter) {
    Raft r = n.raft();
    if (e.getIndex() > r.log.committed) {
      sim.fail("node " + n.id + " applies uncommitted index " + e.getIndex());
    }
    recordCommitted(n, e);
    Long h = stateHash.putIfAbsent(e.getIndex(), hashAfter);
    if (h != null && h != hashAfter) {
      sim.fail("state machine safety: node " + n.id + " reaches a different state at index "
          + e.getIndex());
    }
  }
}
