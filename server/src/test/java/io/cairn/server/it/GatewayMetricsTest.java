package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /metrics, /health, /livez, /readyz and /version on Cairn's client port. The exposition is read
 * with a strict parser of the Prometheus text format (0.0.4), the metrics dashboards and alerts
 * written for etcd use must be there under etcd's names and types (checked against a real etcd's
 * own /metrics), and the counters must move when writes happen.
 */
class GatewayMetricsTest {
  @TempDir
  static Path dir;
  static Member cairn;
  static Member etcd;

  /** The metrics the etcd operations guides, dashboards and alerts rely on (sample names). */
  static final List<String> REQUIRED = List.of(
      "etcd_server_has_leader", "etcd_server_is_leader", "etcd_server_leader_changes_seen_total",
      "etcd_server_proposals_committed_total", "etcd_server_proposals_applied_total", "etcd_server_proposals_pending",
      "etcd_server_proposals_failed_total", "etcd_mvcc_db_total_size_in_bytes",
      "etcd_disk_wal_fsync_duration_seconds_bucket", "etcd_disk_backend_commit_duration_seconds_bucket",
      "grpc_server_handled_total", "process_resident_memory_bytes",
      "etcd_disk_backend_snapshot_duration_seconds_bucket", "etcd_server_slow_apply_total",
      "etcd_server_heartbeat_send_failures_total", "etcd_mvcc_db_total_size_in_use_in_bytes",
      "etcd_debugging_mvcc_keys_total", "etcd_mvcc_put_total", "etcd_mvcc_delete_total", "etcd_mvcc_range_total",
      "etcd_mvcc_txn_total", "etcd_network_client_grpc_sent_bytes_total", "etcd_network_client_grpc_received_bytes_total",
      "grpc_server_started_total", "etcd_server_id", "etcd_server_version", "etcd_cluster_version",
      "etcd_server_is_learner", "etcd_server_quota_backend_bytes", "process_cpu_seconds_total", "process_open_fds",
      "process_max_fds", "process_start_time_seconds", "process_virtual_memory_bytes");

  @BeforeAll
  static void start() throws Exception {
    // extensive: both also time each gRPC call (grpc_server_handling_seconds), compared below
    cairn = Member.cairn(dir, "--metrics", "extensive");
    etcd = Member.etcd(dir, "--metrics", "extensive");
    awaitLeader(cairn);
    awaitLeader(etcd);
  }

  @AfterAll
  static void stop() throws Exception {
    if (cairn != null) {
      cairn.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  static void awaitLeader(Member m) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      try {
        Http1.Response r = Http1.get(m.clientPort, "/metrics");
        if (r.status() == 200 && r.text().contains("\netcd_server_has_leader 1")) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // retry
      }
      Thread.sleep(100);
    }
    throw new AssertionError(m.kind + " has no leader after 30 s");
  }

  static Exposition scrape(Member m) throws Exception {
    Http1.Response r = Http1.get(m.clientPort, "/metrics");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    return Exposition.parse(r.text());
  }

  @Test
  void exportsEtcdsMetricsInValidTextFormat() throws Exception {
    Exposition x = scrape(cairn);
    for (String name : REQUIRED) {
      assertThat(x.samples.keySet().stream().anyMatch(k -> k.startsWith(name + "{") || k.equals(name)))
          .as("sample %s", name).isTrue();
    }
    assertThat(x.value("etcd_server_has_leader")).isEqualTo(1);
    assertThat(x.value("etcd_server_is_leader")).isEqualTo(1);
    // etcd counts the first election (none -> this member) as a leader change
    assertThat(x.value("etcd_server_leader_changes_seen_total")).isGreaterThanOrEqualTo(1);
    assertThat(x.value("etcd_server_proposals_failed_total")).isZero();
    assertThat(x.value("etcd_server_proposals_committed_total"))
        .isGreaterThanOrEqualTo(x.value("etcd_server_proposals_applied_total"));
    assertThat(x.value("etcd_mvcc_db_total_size_in_bytes")).isPositive();
    assertThat(x.value("process_resident_memory_bytes")).isGreaterThan(1 << 20);
    // Cairn's own: RocksDB's native memory by kind, the memtables counted inside the block cache's usage
    double cache = x.value("cairn_rocksdb_memory_bytes{kind=\"block_cache\"}");
    assertThat(cache).isPositive();
    assertThat(x.value("cairn_rocksdb_memory_bytes{kind=\"memtables\"}")).isPositive().isLessThanOrEqualTo(cache);
    assertThat(x.value("cairn_rocksdb_memory_bytes{kind=\"pinned\"}")).isLessThanOrEqualTo(cache);
    assertThat(x.valueOr("cairn_rocksdb_memory_bytes{kind=\"table_readers\"}", -1)).isNotNegative();
  }

  @Test
  void typesLabelsAndBucketsAreEtcds() throws Exception {
    Exposition mine = scrape(cairn);
    // a Put on each, so both have the grpc_server_handled_total series for it
    String put = "{\"key\":\"" + b64("types") + "\",\"value\":\"" + b64("v") + "\"}";
    assertThat(Http1.post(etcd.clientPort, "/v3/kv/put", put).status()).isEqualTo(200);
    assertThat(Http1.post(cairn.clientPort, "/v3/kv/put", put).status()).isEqualTo(200);
    mine = scrape(cairn);
    Exposition theirs = scrape(etcd);
    for (String sample : REQUIRED) {
      String family = sample.replaceFirst("_bucket$", "");
      String want = theirs.types.get(family);
      String got = mine.types.get(family);
      if (family.equals("etcd_server_proposals_committed_total") || family.equals("etcd_server_proposals_applied_total")) {
        // etcd registers these two as gauges although their names end in _total; Cairn exports them as
        // counters to keep the _total name (see ServerMetrics). Queries (rate(), increase()) read both alike.
        assertThat(want).as("etcd's type of " + family).isEqualTo("gauge");
        assertThat(got).as("Cairn's type of " + family).isEqualTo("counter");
        continue;
      }
      assertThat(got).as("type of " + family).isEqualTo(want);
    }
    for (String histogram : List.of("etcd_disk_wal_fsync_duration_seconds", "etcd_disk_backend_commit_duration_seconds",
        "etcd_disk_backend_snapshot_duration_seconds", "grpc_server_handling_seconds")) {
      assertThat(mine.bucketBounds(histogram)).as("buckets of " + histogram).isEqualTo(theirs.bucketBounds(histogram));
    }
    assertThat(mine.types.get("grpc_server_handling_seconds")).isEqualTo(theirs.types.get("grpc_server_handling_seconds"))
        .isEqualTo("histogram");
    assertThat(mine.labelNames("grpc_server_handling_seconds_count", "grpc_method", "Put"))
        .isEqualTo(theirs.labelNames("grpc_server_handling_seconds_count", "grpc_method", "Put"));
    Set<String> want = theirs.labelNames("grpc_server_handled_total", "grpc_method", "Put");
    assertThat(want).containsExactlyInAnyOrder("grpc_code", "grpc_method", "grpc_service", "grpc_type");
    assertThat(mine.labelNames("grpc_server_handled_total", "grpc_method", "Put")).isEqualTo(want);
    String series = "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\","
        + "grpc_type=\"unary\"}";
    assertThat(theirs.samples).containsKey(series);
    assertThat(mine.samples).containsKey(series);
  }

  @Test
  void countersMoveWithWrites() throws Exception {
    Exposition before = scrape(cairn);
    int n = 7;
    for (int i = 0; i < n; i++) {
      Http1.Response r = Http1.post(cairn.clientPort, "/v3/kv/put",
          "{\"key\":\"" + b64("metrics/" + i) + "\",\"value\":\"" + b64("v" + i) + "\"}");
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }
    Exposition after = scrape(cairn);
    assertThat(after.value("etcd_server_proposals_applied_total") - before.value("etcd_server_proposals_applied_total"))
        .isGreaterThanOrEqualTo(n);
    assertThat(after.value("etcd_server_proposals_committed_total") - before.value("etcd_server_proposals_committed_total"))
        .isGreaterThanOrEqualTo(n);
    // every acknowledged put was made durable by at least one WAL fsync (several may share one)
    assertThat(after.value("etcd_disk_wal_fsync_duration_seconds_count"))
        .isGreaterThan(before.value("etcd_disk_wal_fsync_duration_seconds_count"));
    assertThat(after.value("etcd_disk_wal_fsync_duration_seconds_sum"))
        .isGreaterThan(before.value("etcd_disk_wal_fsync_duration_seconds_sum"));
    String put = "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\","
        + "grpc_type=\"unary\"}";
    // the gateway's calls go through the same interceptors as a gRPC client's: one each
    assertThat(after.valueOr(put, 0) - before.valueOr(put, 0)).isEqualTo(n);
    assertThat(after.value("etcd_debugging_mvcc_current_revision") - before.value("etcd_debugging_mvcc_current_revision"))
        .isEqualTo(n);
    assertThat(after.value("etcd_server_proposals_pending")).isZero();
    // each applied batch is one timed store commit; the mvcc counters count the puts on every member
    assertThat(after.value("etcd_disk_backend_commit_duration_seconds_count"))
        .isGreaterThan(before.value("etcd_disk_backend_commit_duration_seconds_count"));
    assertThat(after.value("etcd_mvcc_put_total") - before.value("etcd_mvcc_put_total")).isEqualTo(n);
    assertThat(after.value("etcd_network_client_grpc_received_bytes_total"))
        .isGreaterThan(before.value("etcd_network_client_grpc_received_bytes_total"));
    // the key count is redone at most once a second
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(scrape(cairn).value("etcd_debugging_mvcc_keys_total")).isGreaterThanOrEqualTo(n));
  }

  @Test
  void healthLivezReadyzVersion() throws Exception {
    int port = cairn.clientPort;
    Http1.Response health = Http1.get(port, "/health");
    assertThat(health.toString()).isEqualTo("200 {\"health\":\"true\",\"reason\":\"\"}");
    // etcd writes it without a content type; Go's sniffing calls it text/plain
    assertThat(health.header("content-type")).isEqualTo("text/plain; charset=utf-8");
    assertThat(Http1.get(port, "/health?serializable=true").toString())
        .isEqualTo("200 {\"health\":\"true\",\"reason\":\"\"}");
    assertThat(Http1.get(port, "/health?exclude=NOSPACE").status()).isEqualTo(200);
    Http1.Response post = Http1.post(port, "/health", "");
    assertThat(post.toString()).isEqualTo("405 Method Not Allowed\n");
    assertThat(post.header("allow")).isEqualTo("GET");

    assertThat(Http1.get(port, "/livez").toString()).isEqualTo("200 ok\n");
    assertThat(Http1.get(port, "/livez?verbose").toString()).isEqualTo("200 [+]serializable_read ok\nok\n");
    assertThat(Http1.get(port, "/readyz").toString()).isEqualTo("200 ok\n");
    // etcd prints the checks in map order (random): compared as a set
    Http1.Response verbose = Http1.get(port, "/readyz?verbose");
    assertThat(verbose.status()).isEqualTo(200);
    List<String> lines = verbose.text().lines().toList();
    assertThat(lines.get(lines.size() - 1)).isEqualTo("ok");
    assertThat(lines.subList(0, lines.size() - 1)).containsExactlyInAnyOrder(
        "[+]data_corruption ok", "[+]serializable_read ok", "[+]linearizable_read ok", "[+]non_learner ok");
    assertThat(Http1.get(port, "/readyz?verbose&exclude=linearizable_read&exclude=no_such_check").text().lines())
        .doesNotContain("[+]linearizable_read ok").contains("[+]serializable_read ok").endsWith("ok");
    assertThat(Http1.get(port, "/readyz/linearizable_read").toString()).isEqualTo("200 ok\n");
    assertThat(Http1.get(port, "/livez/serializable_read?verbose").toString())
        .isEqualTo("200 [+]serializable_read ok\nok\n");
    assertThat(Http1.get(port, "/readyz/no_such_check").status()).isEqualTo(404);
    assertThat(Http1.post(port, "/livez", "").status()).isEqualTo(405);
    for (String probe : List.of("/livez", "/readyz")) {
      Http1.Response r = Http1.get(port, probe);
      assertThat(r.header("content-type")).isEqualTo("text/plain; charset=utf-8");
      assertThat(r.header("x-content-type-options")).isEqualTo("nosniff");
    }

    Http1.Response version = Http1.get(port, "/version");
    assertThat(version.status()).isEqualTo(200);
    assertThat(version.header("content-type")).isEqualTo("application/json");
    Matcher v = Pattern.compile("\\{\"etcdserver\":\"(\\d+\\.\\d+\\.\\d+)\",\"etcdcluster\":\"(\\d+\\.\\d+)\\.0\","
        + "\"storage\":\"(\\d+\\.\\d+)\\.0\"}").matcher(version.text());
    assertThat(v.matches()).as(version.text()).isTrue();
    // the same server version the Status RPC reports (etcdctl and Kubernetes read that one)
    Http1.Response status = Http1.post(port, "/v3/maintenance/status", "{}");
    assertThat(status.text()).contains("\"version\":\"" + v.group(1) + "\"");
    assertThat(v.group(1)).startsWith(v.group(2) + ".");
    assertThat(Http1.post(port, "/version", "{}").status()).isEqualTo(405);
  }

  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  // ------------------------------------------------------------------- Prometheus text format 0.0.4

  /**
   * A strict reader of the Prometheus text exposition format: HELP and TYPE lines (at most one of
   * each per family, TYPE before the family's first sample), samples with escaped label values,
   * Go-style float values (+Inf, -Inf, NaN), optional integer timestamps, each family's samples in
   * one group, no series twice, and histograms well formed (cumulative buckets ending in +Inf,
   * which equals _count, and a _sum).
   */
  static final class Exposition {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern FLOAT = Pattern.compile("[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** Series (name{sorted labels}) to value. */
    final Map<String, Double> samples = new LinkedHashMap<>();
    final Map<String, String> types = new LinkedHashMap<>();
    final Map<String, String> help = new LinkedHashMap<>();
    /** Series key to its labels, for histogram checks. */
    private final Map<String, Map<String, String>> labelsOf = new LinkedHashMap<>();
    private final Map<String, String> familyOf = new LinkedHashMap<>();

    static Exposition parse(String text) {
      Exposition x = new Exposition();
      Set<String> closedFamilies = new HashSet<>();
      String currentFamily = null;
      String[] lines = text.split("\n", -1);
      if (!text.isEmpty()) {
        assertThat(text).as("the exposition ends with a newline").endsWith("\n");
      }
      for (int i = 0; i < lines.length; i++) {
        String line = lines[i];
        String where = "line " + (i + 1) + ": " + line;
        if (line.isEmpty()) {
          continue;
        }
        if (line.startsWith("#")) {
          String[] t = line.split(" ", 4);
          if (t.length >= 3 && (t[1].equals("HELP") || t[1].equals("TYPE"))) {
            assertThat(t[0]).as(where).isEqualTo("#");
            assertThat(NAME.matcher(t[2]).matches()).as("metric name, " + where).isTrue();
            if (t[1].equals("HELP")) {
              assertThat(x.help.put(t[2], t.length == 4 ? unescapeHelp(t[3], where) : "")).as("second HELP, " + where).isNull();
            } else {
              assertThat(t.length).as(where).isEqualTo(4);
              assertThat(TYPES).as("type, " + where).contains(t[3]);
              assertThat(x.types.put(t[2], t[3])).as("second TYPE, " + where).isNull();
              assertThat(x.familyOf.containsValue(t[2])).as("TYPE after the family's samples, " + where).isFalse();
            }
          }
          continue;
        }
        // sample: name [{labels}] value [timestamp]
        Matcher nm = NAME.matcher(line);
        assertThat(nm.lookingAt()).as("sample name, " + where).isTrue();
        String name = nm.group();
        int p = nm.end();
        Map<String, String> labels = new TreeMap<>();
        if (p < line.length() && line.charAt(p) == '{') {
          p = parseLabels(line, p + 1, labels, where);
        }
        assertThat(p < line.length() && line.charAt(p) == ' ').as("space before the value, " + where).isTrue();
        String[] rest = line.substring(p + 1).split(" ", -1);
        assertThat(rest.length).as("value [timestamp], " + where).isBetween(1, 2);
        double value = parseValue(rest[0], where);
        if (rest.length == 2) {
          assertThat(rest[1]).as("timestamp, " + where).matches("-?\\d+");
        }
        String family = x.family(name);
        if (!family.equals(currentFamily)) {
          assertThat(closedFamilies.add(family)).as("samples of " + family + " are not in one group, " + where).isTrue();
          currentFamily = family;
        }
        String key = key(name, labels);
        assertThat(x.samples.put(key, value)).as("duplicate series " + key + ", " + where).isNull();
        x.labelsOf.put(key, labels);
        x.familyOf.put(key, family);
        if ("counter".equals(x.types.get(family))) {
          assertThat(value).as("counter value, " + where).isNotNaN().isGreaterThanOrEqualTo(0);
        }
      }
      x.types.forEach((family, type) -> {
        if (type.equals("histogram")) {
          x.checkHistogram(family);
        }
      });
      return x;
    }

    private String family(String sampleName) {
      for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
        if (sampleName.endsWith(suffix)) {
          String base = sampleName.substring(0, sampleName.length() - suffix.length());
          String t = types.get(base);
          if ("histogram".equals(t) || ("summary".equals(t) && !suffix.equals("_bucket"))) {
            return base;
          }
        }
      }
      return sampleName;
    }

    private static int parseLabels(String line, int p, Map<String, String> labels, String where) {
      while (true) {
        assertThat(p < line.length()).as("unterminated labels, " + where).isTrue();
        if (line.charAt(p) == '}') {
          return p + 1;
        }
        Matcher lm = LABEL.matcher(line).region(p, line.length());
        assertThat(lm.lookingAt()).as("label name, " + where).isTrue();
        String label = lm.group();
        p = lm.end();
        assertThat(line.startsWith("=\"", p)).as("label =\", " + where).isTrue();
        p += 2;
        StringBuilder value = new StringBuilder();
        while (true) {
          assertThat(p < line.length()).as("unterminated label value, " + where).isTrue();
          char c = line.charAt(p++);
          if (c == '"') {
            break;
          }
          if (c == '\\') {
            assertThat(p < line.length()).as(where).isTrue();
            char e = line.charAt(p++);
            switch (e) {
              case '\\' -> value.append('\\');
              case '"' -> value.append('"');
              case 'n' -> value.append('\n');
              default -> throw new AssertionError("bad escape \\" + e + " in a label value, " + where);
            }
          } else {
            value.append(c);
          }
        }
        assertThat(labels.put(label, value.toString())).as("label " + label + " twice, " + where).isNull();
        assertThat(p < line.length()).as(where).isTrue();
        if (line.charAt(p) == ',') {
          p++;
        } else {
          assertThat(line.charAt(p)).as("',' or '}' after a label, " + where).isEqualTo('}');
        }
      }
    }

    private static String unescapeHelp(String s, String where) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '\\') {
          assertThat(i + 1 < s.length()).as(where).isTrue();
          char e = s.charAt(++i);
          assertThat(e == '\\' || e == 'n').as("HELP escape, " + where).isTrue();
          sb.append(e == 'n' ? '\n' : '\\');
        } else {
          sb.append(c);
        }
      }
      return sb.toString();
    }

    private static double parseValue(String v, String where) {
      switch (v) {
        case "+Inf":
          return Double.POSITIVE_INFINITY;
        case "-Inf":
          return Double.NEGATIVE_INFINITY;
        case "NaN":
          return Double.NaN;
        default:
          assertThat(FLOAT.matcher(v).matches()).as("value " + v + ", " + where).isTrue();
          return Double.parseDouble(v);
      }
    }

    private static String key(String name, Map<String, String> labels) {
      if (labels.isEmpty()) {
        return name;
      }
      StringBuilder sb = new StringBuilder(name).append('{');
      labels.forEach((k, v) -> sb.append(k).append("=\"").append(v).append("\","));
      sb.setLength(sb.length() - 1);
      return sb.append('}').toString();
    }

    private void checkHistogram(String family) {
      // group buckets by their labels without le
      Map<String, List<double[]>> buckets = new LinkedHashMap<>();
      labelsOf.forEach((key, labels) -> {
        if (key.startsWith(family + "_bucket")) {
          assertThat(labels).as("le on " + key).containsKey("le");
          Map<String, String> rest = new TreeMap<>(labels);
          double le = parseValue(rest.remove("le"), key);
          buckets.computeIfAbsent(key(family, rest), k -> new ArrayList<>()).add(new double[] {le, samples.get(key)});
        }
      });
      assertThat(buckets).as("buckets of histogram " + family).isNotEmpty();
      buckets.forEach((series, list) -> {
        double lastLe = Double.NEGATIVE_INFINITY;
        double lastCount = 0;
        for (double[] b : list) {
          assertThat(b[0]).as("bucket bounds increase in " + series).isGreaterThan(lastLe);
          assertThat(b[1]).as("buckets are cumulative in " + series).isGreaterThanOrEqualTo(lastCount);
          lastLe = b[0];
          lastCount = b[1];
        }
        assertThat(lastLe).as("last bucket of " + series + " is +Inf").isEqualTo(Double.POSITIVE_INFINITY);
        String labels = series.substring(family.length());
        assertThat(samples.get(family + "_count" + labels)).as("_count of " + series).isEqualTo(lastCount);
        assertThat(samples).as("_sum of " + series).containsKey(family + "_sum" + labels);
      });
    }

    double value(String series) {
      assertThat(samples).as("series " + series).containsKey(series);
      return samples.get(series);
    }

    double valueOr(String series, double otherwise) {
      return samples.getOrDefault(series, otherwise);
    }

    /** The finite bucket bounds of a histogram (its first series). */
    Set<Double> bucketBounds(String family) {
      Set<Double> out = new TreeSet<>();
      labelsOf.forEach((key, labels) -> {
        if (key.startsWith(family + "_bucket")) {
          out.add(parseValue(labels.get("le"), key));
        }
      });
      return out;
    }

    /** Label names of the first series of {@code name} whose label {@code label} is {@code value}. */
    Set<String> labelNames(String name, String label, String value) {
      return labelsOf.entrySet().stream()
          .filter(e -> e.getKey().startsWith(name + "{") && value.equals(e.getValue().get(label)))
          .map(e -> (Set<String>) new TreeSet<>(e.getValue().keySet())).findFirst().orElse(Set.of());
    }
  }
}
