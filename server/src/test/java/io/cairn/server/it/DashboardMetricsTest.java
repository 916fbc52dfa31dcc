package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/dashboards/cairn-grafana.json and cairn-alerts.yaml use only metrics Cairn exports: every metric name in their
 * queries must be a sample on a running two-member cluster's /metrics (two members, so the per-peer series exist;
 * {@code --metrics extensive}, which the slow-gRPC alert needs as with etcd).
 */
class DashboardMetricsTest {
  static final Path DASHBOARDS = Path.of("..", "docs", "dashboards");
  /** Series made by Prometheus itself, not by the target. */
  static final Set<String> SYNTHETIC = Set.of("up");
  private static final Pattern METRIC = Pattern.compile("\\b(?:etcd|grpc|process|go|up)(?:_[a-zA-Z0-9_]+)?\\b");

  @TempDir
  static Path dir;
  static List<Member> members;

  @BeforeAll
  static void start() throws Exception {
    members = Member.cairnCluster(dir, 2, "--metrics", "extensive"); // the slow-gRPC alert reads its histogram
  }

  @AfterAll
  static void stop() throws Exception {
    if (members != null) {
      for (Member m : members) {
        m.close();
      }
    }
  }

  /** Every expr of the Grafana dashboard's panels. */
  static List<String> dashboardExprs() throws Exception {
    List<String> out = new ArrayList<>();
    collectExprs(JsonParser.parseString(Files.readString(DASHBOARDS.resolve("cairn-grafana.json"))), out);
    return out;
  }

  private static void collectExprs(JsonElement e, List<String> out) {
    if (e.isJsonObject()) {
      e.getAsJsonObject().entrySet().forEach(f -> {
        if (f.getKey().equals("expr") && f.getValue().isJsonPrimitive()) {
          out.add(f.getValue().getAsString());
        } else {
          collectExprs(f.getValue(), out);
        }
      });
    } else if (e.isJsonArray()) {
      e.getAsJsonArray().forEach(x -> collectExprs(x, out));
    }
  }

  /** Every rule's expr in the alerts file: inline, or a block scalar (| or >) of the lines indented below it. */
  static List<String> alertExprs() throws Exception {
    List<String> lines = Files.readAllLines(DASHBOARDS.resolve("cairn-alerts.yaml"));
    Pattern key = Pattern.compile("^(\\s*)(?:- )?expr:\\s*(.*)$");
    List<String> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = key.matcher(lines.get(i));
      if (!m.matches()) {
        continue;
      }
      String rest = m.group(2).trim();
      if (!rest.equals("|") && !rest.equals(">")) {
        out.add(rest);
        continue;
      }
      int indent = m.group(1).length();
      StringBuilder block = new StringBuilder();
      while (i + 1 < lines.size() && (lines.get(i + 1).isBlank() || leading(lines.get(i + 1)) > indent)) {
        block.append(lines.get(++i).trim()).append('\n');
      }
      out.add(block.toString());
    }
    return out;
  }

  private static int leading(String line) {
    int n = 0;
    while (n < line.length() && line.charAt(n) == ' ') n++;
    return n;
  }

  /** The metric names a PromQL expression reads: label matchers and by/without label lists removed first. */
  static Set<String> metricNames(String expr) {
    String bare = expr.replaceAll("\\{[^}]*}", "").replaceAll("\\b(?:by|without)\\s*\\([^)]*\\)", "");
    Set<String> out = new TreeSet<>();
    Matcher m = METRIC.matcher(bare);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  static Set<String> sampleNames(Member m) throws Exception {
    Http1.Response r = Http1.get(m.clientPort, "/metrics");
    assertThat(r.status()).isEqualTo(200);
    Set<String> out = new TreeSet<>();
    GatewayMetricsTest.Exposition.parse(r.text()).samples.keySet().forEach(k -> out.add(k.replaceFirst("\\{.*$", "")));
    return out;
  }

  @Test
  void everyMetricTheDashboardAndAlertsReadIsExported() throws Exception {
    Set<String> wanted = new TreeSet<>();
    List<String> exprs = new ArrayList<>(dashboardExprs());
    assertThat(exprs).as("dashboard queries").hasSizeGreaterThan(15);
    List<String> alerts = alertExprs();
    assertThat(alerts).as("alert expressions").hasSizeGreaterThan(10);
    exprs.addAll(alerts);
    exprs.forEach(e -> wanted.addAll(metricNames(e)));
    wanted.removeAll(SYNTHETIC);
    assertThat(wanted).as("metric names found in the files").hasSizeGreaterThan(20)
        .contains("etcd_disk_wal_fsync_duration_seconds_bucket", "etcd_network_peer_round_trip_time_seconds_bucket");
    // a write, so the per-peer byte counters and the apply-side meters have series
    new Etcdctl(members.get(0).endpoint()).run("put", "dashboards", "v").ok();
    // the round-trip probes run every few seconds: wait for the first answers
    Set<String> missing = new TreeSet<>();
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      Set<String> exported = new TreeSet<>();
      for (Member m : members) {
        exported.addAll(sampleNames(m));
      }
      missing.clear();
      missing.addAll(wanted);
      missing.removeAll(exported);
      assertThat(missing).as("metrics the dashboard or alerts read that Cairn does not export").isEmpty();
    });
  }

  @Test
  void theNameExtractionSeesMetricsNotLabels() {
    assertThat(metricNames("sum(rate(grpc_server_handled_total{job=\"cairn\", grpc_code=~\"Unknown\"}[5m])) "
        + "without (grpc_type, grpc_code) / on() etcd_server_has_leader"))
        .containsExactly("etcd_server_has_leader", "grpc_server_handled_total");
  }
}
