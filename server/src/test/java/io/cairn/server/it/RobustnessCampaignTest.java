package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.server.robustness.TrafficRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A robustness campaign in etcd's manner: real 3- and 5-member clusters of cairn processes, recorded traffic from
 * many clients (mixed or Kubernetes-shaped, with leases), one fault per run, then the checks: the history is
 * linearizable (failed or timed-out writes may or may not have happened), every acknowledged write is present, the
 * lease guarantees and the watch guarantees hold (also for watches opened mid-run from past revisions and by
 * informers), and all members converge.
 *
 * <p>CI runs one scenario of each kind of fault ({@link Scenario#CI}) once with a fixed seed. {@code
 * scripts/robustness.sh} runs many, round-robin over every scenario, with random seeds:
 * {@code -Dcairn.campaign.runs=N -Dcairn.campaign.seed=S} (S = "random" for a fresh seed per run);
 * {@code -Dcairn.campaign.scenario=NAME[,NAME…]} runs only those scenarios. Each run appends a line to
 * {@code target/robustness-runs.tsv}: scenario, seed, duration, operations, result.
 */
class RobustnessCampaignTest {
  @TempDir Path dir;

  static Stream<Arguments> runs() {
    int n = Integer.getInteger("cairn.campaign.runs", 0);
    String seedProp = System.getProperty("cairn.campaign.seed", "20261206");
    String only = System.getProperty("cairn.campaign.scenario", "");
    List<Scenario> scenarios = new ArrayList<>();
    for (Scenario s : Scenario.values()) {
      boolean wanted = only.isEmpty() ? n > 0 || Scenario.CI.contains(s) : List.of(only.split(",")).contains(s.name());
      if (wanted) {
        scenarios.add(s);
      }
    }
    List<Arguments> out = new ArrayList<>();
    Random seeds = new Random(seedProp.equals("random") ? System.nanoTime() : Long.parseLong(seedProp));
    int total = n > 0 ? n : scenarios.size();
    for (int i = 0; i < total; i++) {
      long seed = seedProp.equals("random") || n > 0 ? seeds.nextLong() : Long.parseLong(seedProp) + i;
      out.add(Arguments.of(scenarios.get(i % scenarios.size()), seed));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} seed {1}")
  @MethodSource("runs")
  void faultsLoseNothingAndInventNothing(Scenario scenario, long seed) throws Exception {
    Assumptions.assumeTrue(System.getProperty("cairn.jar") != null, "runs in the integration-test phase");
    long started = System.nanoTime();
    Random rnd = new Random(seed);
    String result;
    TrafficRun.Result r = null;
    try (CampaignCluster c = new CampaignCluster(dir, scenario.members(), scenario.failpoints(), "--snapshot-count", "100",
        "--experimental-snapshot-catchup-entries", "50")) {
      TrafficRun traffic = new TrafficRun(c.urls(), 6, seed, scenario.compactEveryMs(), scenario.profile());
      traffic.start(20_000);
      pause(2000 + rnd.nextInt(1000));
      scenario.inject(c, rnd, () -> pause(3000 + rnd.nextInt(2000)));
      pause(3000);
      c.restartDead();
      r = traffic.stopAndCheck();
      c.assertConverged();
      result = r.problem() == null ? "ok" : "FAILED: " + r.problem();
      if (r.problem() != null) {
        keepLogs(scenario, seed);
      }
    } catch (Throwable t) {
      result = "FAILED: " + t;
      record(scenario, seed, started, r, result);
      keepLogs(scenario, seed);
      throw t;
    }
    record(scenario, seed, started, r, result);
    assertThat(r.problem()).as("%s seed %d (replay: -Dcairn.campaign.scenario=%s -Dcairn.campaign.seed=%d)",
        scenario, seed, scenario, seed).isNull();
    assertThat(r.operations()).as("the traffic made progress").isGreaterThan(100);
  }

  /** A failed run's member logs, kept under target/campaign-logs/ (the data directories are temporary). */
  private void keepLogs(Scenario s, long seed) throws IOException {
    Path to = Path.of("target", "campaign-logs", s.name() + "-" + seed);
    Files.createDirectories(to);
    try (Stream<Path> logs = Files.list(dir)) {
      for (Path p : logs.filter(p -> p.getFileName().toString().endsWith(".log")).toList()) {
        Files.copy(p, to.resolve(p.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /** A fault's duration: time passing on purpose, not waiting for a condition. */
  private static void pause(long ms) {
    LockSupport.parkNanos(ms * 1_000_000L);
  }

  private static void record(Scenario s, long seed, long started, TrafficRun.Result r, String result)
      throws IOException {
    Path tsv = Path.of(System.getProperty("cairn.campaign.out", "target/robustness-runs.tsv"));
    String line = String.join("\t", Instant.now().toString(), s.name(), Long.toString(seed),
        String.format("%.1fs", (System.nanoTime() - started) / 1e9),
        r == null ? "-" : Integer.toString(r.operations()), r == null ? "-" : Integer.toString(r.unknownWrites()),
        r == null ? "-" : Integer.toString(r.watchEvents()), result.replace('\n', ' ')) + "\n";
    Files.writeString(tsv, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }
}
