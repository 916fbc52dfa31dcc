package io.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.Entry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * One test per safety property of the Raft paper (Figure 3), each checked between every two
 * inputs of many randomized runs ({@link ChaosRun}) with reordering, loss, duplication,
 * isolation, restarts and compaction.
 */
class RaftPaperSafetyTest {
  static final int SEEDS = 40;
  static final int STEPS = 1500;

  interface Check {
    void after(ChaosRun run, int step);
  }

  private static void forEachRun(Check check) {
    for (long seed = 1; seed <= SEEDS; seed++) {
      ChaosRun run = new ChaosRun(seed, seed % 2 == 0 ? 3 : 5);
      for (int i = 0; i < STEPS; i++) {
        run.step();
        check.after(run, i);
      }
    }
  }

  /** Term of entry i in a node's log, or -1 if not available. */
  private static long term(TestEnv.Node n, long i) {
    return n.raft().log.termOrMinus(i);
  }

  @Test
  void electionSafety() {
    // At most one leader can be elected in a given term.
    forEachRun(new Check() {
      final Map<Long, Long> leaders = new HashMap<>();
      ChaosRun current;

      @Override
      public void after(ChaosRun run, int step) {
        if (run != current) {
          current = run;
          leaders.clear();
        }
        for (TestEnv.Node n : run.env.nodes.values()) {
          Raft r = n.raft();
          if (r.state == StateRole.LEADER) {
            Long prev = leaders.putIfAbsent(r.term, n.id);
            assertThat(prev == null || prev == n.id)
                .as("term %d has leaders %s and %d", r.term, prev, n.id).isTrue();
          }
        }
      }
    });
  }

  @Test
  void leaderAppendOnly() {
    // A leader never overwrites or deletes entries in its log; it only appends.
    forEachRun(new Check() {
      final Map<Long, List<Long>> lastSeen = new HashMap<>(); // node -> [term, i, t_i ...]
      ChaosRun current;

      @Override
      public void after(ChaosRun run, int step) {
        if (run != current) {
          current = run;
          lastSeen.clear();
        }
        for (TestEnv.Node n : run.env.nodes.values()) {
          Raft r = n.raft();
          if (r.state != StateRole.LEADER) {
            lastSeen.remove(n.id);
            continue;
          }
          List<Long> prev = lastSeen.get(n.id);
          if (prev != null && prev.get(0) == r.term) {
            // every (index, term) seen before in this term is still there, unchanged
            for (int k = 1; k < prev.size(); k += 2) {
              long i = prev.get(k);
              if (i >= r.log.firstIndex()) {
                assertThat(term(n, i)).as("leader %d term %d index %d", n.id, r.term, i)
                    .isEqualTo(prev.get(k + 1));
              }
            }
            assertThat(r.log.lastIndex()).isGreaterThanOrEqualTo(prev.get(prev.size() - 2));
          }
          List<Long> now = new ArrayList<>();
          now.add(r.term);
          long from = Math.max(r.log.firstIndex(), r.log.lastIndex() - 8);
          for (long i = from; i <= r.log.lastIndex(); i++) {
            now.add(i);
            now.add(term(n, i));
          }
          if (now.size() == 1) {
            now.add(r.log.lastIndex());
            now.add(term(n, r.log.lastIndex()));
          }
          lastSeen.put(n.id, now);
        }
      }
    });
  }

  @Test
  void logMatching() {
    // If two logs contain an entry with the same index and term, the logs are identical in
    // all entries up through that index.
    forEachRun((run, step) -> {
      if (step % 10 != 0) {
        return;
      }
      List<TestEnv.Node> ns = new ArrayList<>(run.env.nodes.values());
      for (int a = 0; a < ns.size(); a++) {
        for (int b = a + 1; b < ns.size(); b++) {
          RaftLog la = ns.get(a).raft().log;
          RaftLog lb = ns.get(b).raft().log;
          long lo = Math.max(la.firstIndex(), lb.firstIndex());
          long hi = Math.min(la.lastIndex(), lb.lastIndex());
          // find the highest shared (index, term); below it everything must match
          long top = -1;
          for (long i = hi; i >= lo; i--) {
            if (la.termOrMinus(i) == lb.termOrMinus(i)) {
              top = i;
              break;
            }
          }
          for (long i = lo; i <= top; i++) {
            assertThat(la.slice(i, i + 1, Long.MAX_VALUE))
                .as("nodes %d/%d at index %d (shared up to %d)", ns.get(a).id, ns.get(b).id,
                    i, top)
                .isEqualTo(lb.slice(i, i + 1, Long.MAX_VALUE));
          }
        }
      }
    });
  }

  @Test
  void leaderCompleteness() {
    // If an entry is committed in a term, it is present in the logs of the leaders of all
    // higher terms.
    forEachRun(new Check() {
      final TreeMap<Long, Entry> committed = new TreeMap<>();
      ChaosRun current;

      @Override
      public void after(ChaosRun run, int step) {
        if (run != current) {
          current = run;
          committed.clear();
        }
        for (TestEnv.Node n : run.env.nodes.values()) {
          RaftLog log = n.raft().log;
          long from = Math.max(log.firstIndex(), committed.isEmpty() ? 1
              : Math.min(committed.lastKey() + 1, log.committed + 1));
          if (from <= log.committed) {
            for (Entry e : log.slice(from, log.committed + 1, Long.MAX_VALUE)) {
              committed.putIfAbsent(e.getIndex(), e);
            }
          }
        }
        for (TestEnv.Node n : run.env.nodes.values()) {
          Raft r = n.raft();
          if (r.state != StateRole.LEADER) {
            continue;
          }
          for (Map.Entry<Long, Entry> c : committed.entrySet()) {
            if (c.getValue().getTerm() < r.term && c.getKey() >= r.log.firstIndex()) {
              assertThat(term(n, c.getKey()))
                  .as("leader %d of term %d lacks committed %s", n.id, r.term,
                      Describe.entry(c.getValue()))
                  .isEqualTo(c.getValue().getTerm());
            }
          }
        }
      }
    });
  }

  @Test
  void stateMachineSafety() {
    // If a server has applied a log entry at a given index, no other server will ever apply a
    // different log entry for the same index.
    forEachRun(new Check() {
      final Map<Long, ByteString> applied = new HashMap<>();
      ChaosRun current;

      @Override
      public void after(ChaosRun run, int step) {
        if (run != current) {
          current = run;
          applied.clear();
        }
        for (TestEnv.Node n : run.env.nodes.values()) {
          for (Map.Entry<Long, ByteString> e : n.applied.tailMap(Math.max(0,
              n.appliedIndex - 20), true).entrySet()) {
            ByteString prev = applied.putIfAbsent(e.getKey(), e.getValue());
            assertThat(prev == null || prev.equals(e.getValue()))
                .as("node %d applied %s at %d, another node %s", n.id,
                    e.getValue().toStringUtf8(), e.getKey(),
                    prev == null ? "" : prev.toStringUtf8()).isTrue();
          }
        }
      }
    });
  }

  @Test
  void chaosRunsMakeProgress() {
    // Sanity check that the randomized runs above exercise elections and commits at all.
    long commits = 0;
    long elections = 0;
    for (long seed = 1; seed <= SEEDS; seed++) {
      ChaosRun run = new ChaosRun(seed, 3);
      long maxTerm = 0;
      for (int i = 0; i < STEPS; i++) {
        run.step();
      }
      for (TestEnv.Node n : run.env.nodes.values()) {
        maxTerm = Math.max(maxTerm, n.raft().term);
        commits = Math.max(commits, n.raft().log.committed);
      }
      elections += maxTerm;
    }
    assertThat(elections).isGreaterThan(SEEDS);
    assertThat(commits).isGreaterThan(10);
  }
}
