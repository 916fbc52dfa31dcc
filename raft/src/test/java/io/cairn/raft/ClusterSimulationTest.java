package io.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs the cluster simulation over many seeds (3 and 5 nodes). Properties:
 * {@code -Dcairn.raft.seeds=N} (default 500), {@code -Dcairn.raft.seedStart=S},
 * {@code -Dcairn.raft.seed=X} (replay one seed), {@code -Dcairn.raft.trace=true} (print every
 * delivered message and fault event of the replay). A failure prints the violated invariant, the
 * last events, the node states and a one-line replay command. raft/scripts/raft-soak.sh runs
 * thousands of seeds.
 */
class ClusterSimulationTest {
  static final int FAULT_TICKS = 400;
  static final int LIVENESS_BOUND = 300;

  static Simulation runSeed(long seed) {
    int size = (seed & 1) == 0 ? 3 : 5;
    Simulation sim = new Simulation(seed, size);
    sim.run(FAULT_TICKS, LIVENESS_BOUND);
    return sim;
  }

  static String replay(long seed) {
    return "mvn -pl raft test -Dtest=ClusterSimulationTest -Dcairn.raft.seed=" + seed;
  }

  @Test
  void simulatedClusterStaysSafeAndLive() {
    String one = System.getProperty("cairn.raft.seed");
    long start = Long.getLong("cairn.raft.seedStart", 1);
    long count = Long.getLong("cairn.raft.seeds", 500);
    if (one != null && !one.isEmpty()) {
      start = Long.parseLong(one);
      count = 1;
    }
    List<String> failures = new ArrayList<>();
    long t0 = System.nanoTime();
    long proposals = 0;
    long applied = 0;
    long confs = 0;
    long crashes = 0;
    long reads = 0;
    for (long seed = start; seed < start + count; seed++) {
      try {
        Simulation sim = runSeed(seed);
        proposals += sim.proposalsAccepted;
        applied += sim.commandsApplied;
        confs += sim.confChangesApplied;
        crashes += sim.crashes;
        reads += sim.readsServed;
      } catch (RuntimeException e) {
        String msg = "seed " + seed + " FAILED: " + String.valueOf(e.getMessage()).lines().findFirst().orElse("")
            + "\n  replay: " + replay(seed);
        System.out.println(msg);
        System.out.println(e.getMessage());
        if (!(e instanceof Simulation.Failure)) {
          e.printStackTrace(System.out);
        }
        failures.add(msg);
        if (failures.size() >= 5) {
          break;
        }
      }
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("simulated %d seeds from %d in %d ms: %d proposals accepted, %d commands "
        + "applied, %d conf changes applied, %d crashes, %d linearizable reads served%n", count,
        start, ms, proposals, applied, confs, crashes, reads);
    assertThat(failures).as(String.join("\n", failures)).isEmpty();
  }
}
