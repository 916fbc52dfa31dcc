package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same curl-style HTTP requests to real etcd 3.4 and to Cairn's JSON gateway, in the same
 * order (so revisions line up), comparing status code, the headers that matter (Content-Type,
 * Location, CORS, nosniff) and the body byte for byte once cluster and member ids are masked.
 *
 * <p>Cairn follows etcd 3.6 where 3.6 differs from the 3.4 we can run here. Every such difference
 * is handled explicitly below: etcd's 3.4 answer is turned into what 3.6 answers (with the reason
 * in a comment), and the comparison is then made; nothing is skipped.
 *
 * <p>raft_term is compared, not masked: both servers are fresh single members that elect themselves
 * in term 2 and keep it for the whole run.
 */
class GatewayDifferentialTest {
  @TempDir
  static Path dir;
  static Member etcd;
  static Member cairn;
  static Side onEtcd;
  static Side onCairn;

  /**
   * Comparisons Cairn cannot pass yet because the service is not built, so Cairn answers 501 (gRPC
   * UNIMPLEMENTED). The comparisons are written and run against etcd all the same; for Cairn the
   * test asserts the 501. The day the service lands, the step stops answering 501 and the test fails
   * until its name is removed from this list, which turns the full comparison on. (Leases landed
   * while this test was written: "lease grant", "lease keepalive stream", "lease timetolive", "lease
   * timetolive (kv/lease alias)" and "lease leases" flipped exactly so and are compared in full.)
   */
  static final Set<String> PENDING_LEASE_AND_AUTH = Set.of(); // auth landed too: "auth authenticate" is compared

  /**
   * Differences from etcd that are not the gateway's (it forwards what the service answers) and
   * belong to another module. The comparison runs and must still differ; once fixed, the test fails
   * until the entry is removed.
   */
  static final Map<String, String> KNOWN_SERVICE_MISMATCHES = Map.of();

  private final List<String> mismatches = new ArrayList<>();
  private final Set<String> pendingStill501 = new LinkedHashSet<>();
  private final Set<String> knownStillDiffering = new LinkedHashSet<>();
  /** etcd's latest full response header (cluster, member, revision, term), raw. */
  private String etcdHeader;

  /** One server: its port and ids. */
  record Side(String name, int port, long memberId, long clusterId) {}

  @BeforeAll
  static void start() throws Exception {
    etcd = Member.etcd(dir);
    cairn = Member.cairn(dir);
    onEtcd = side("etcd", etcd.clientPort);
    onCairn = side("cairn", cairn.clientPort);
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

  /** Waits until the member answers status (it has a leader), and reads its ids from the header. */
  static Side side(String name, int port) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      try {
        Http1.Response r = Http1.post(port, "/v3/maintenance/status", "{}");
        if (r.status() == 200 && r.text().contains("\"leader\"")) {
          return new Side(name, port, Long.parseUnsignedLong(field(r.text(), "member_id")),
              Long.parseUnsignedLong(field(r.text(), "cluster_id")));
        }
      } catch (IOException notYet) {
        // keep waiting
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(name + " never answered /v3/maintenance/status with a leader");
      }
      Thread.sleep(100);
    }
  }

  static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"?([^\",}]*)").matcher(json);
    assertThat(m.find()).as(name + " in " + json).isTrue();
    return m.group(1);
  }

  static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  // ------------------------------------------------------------------------------------ the run

  @Test
  void sameAnswersAsEtcd() throws Exception {
    kv();
    watch();
    compaction();
    maintenanceAndCluster();
    malformed();
    plainEndpoints();
    leaseAndAuth();
    lockAndElection();

    assertThat(mismatches).as("HTTP answers that differ from etcd's").isEmpty();
    assertThat(pendingStill501)
        .as("steps listed in PENDING_LEASE_AND_AUTH must still answer 501; a step that no longer does has been"
            + " implemented: remove it from the list so its comparison counts")
        .containsExactlyInAnyOrderElementsOf(PENDING_LEASE_AND_AUTH);
    assertThat(knownStillDiffering)
        .as("KNOWN_SERVICE_MISMATCHES that no longer differ must be removed from the list")
        .containsExactlyInAnyOrderElementsOf(KNOWN_SERVICE_MISMATCHES.keySet());
  }

  private void kv() throws Exception {
    step("range on an empty store", "/v3/kv/range", "{\"key\":\"" + b64("foo") + "\"}");
    step("put", "/v3/kv/put", "{\"key\":\"" + b64("foo") + "\",\"value\":\"" + b64("bar") + "\"}");
    step("put prev_kv", "/v3/kv/put", "{\"key\":\"" + b64("foo") + "\",\"value\":\"" + b64("baz") + "\",\"prev_kv\":true}");
    step("put second key", "/v3/kv/put", "{\"key\":\"" + b64("fop") + "\",\"value\":\"" + b64("1") + "\"}");
    step("put third key (lowerCamel field names)", "/v3/kv/put",
        "{\"key\":\"" + b64("foz") + "\",\"value\":\"" + b64("2") + "\",\"prevKv\":true,\"ignoreLease\":false}");
    step("range single", "/v3/kv/range", "{\"key\":\"" + b64("foo") + "\"}");
    step("range prefix", "/v3/kv/range", "{\"key\":\"" + b64("fo") + "\",\"range_end\":\"" + b64("fp") + "\"}");
    step("range limit", "/v3/kv/range", "{\"key\":\"" + b64("fo") + "\",\"range_end\":\"" + b64("fp") + "\",\"limit\":2}");
    step("range count_only", "/v3/kv/range", "{\"key\":\"" + b64("fo") + "\",\"range_end\":\"" + b64("fp") + "\",\"count_only\":true}");
    step("range keys_only", "/v3/kv/range", "{\"key\":\"" + b64("fo") + "\",\"range_end\":\"" + b64("fp") + "\",\"keys_only\":true}");
    step("range at revision", "/v3/kv/range", "{\"key\":\"" + b64("foo") + "\",\"revision\":\"2\"}");
    step("range at revision (number)", "/v3/kv/range", "{\"key\":\"" + b64("foo") + "\",\"revision\":3}");
    step("range sorted descending by key", "/v3/kv/range",
        "{\"key\":\"" + b64("fo") + "\",\"range_end\":\"" + b64("fp") + "\",\"sort_order\":\"DESCEND\",\"sort_target\":\"KEY\"}");
    step("range sorted by enum numbers", "/v3/kv/range",
        "{\"key\":\"" + b64("fo") + "\",\"range_end\":\"" + b64("fp") + "\",\"sort_order\":2,\"sort_target\":3}");
    step("range serializable, from key", "/v3/kv/range", "{\"key\":\"" + b64("fop") + "\",\"range_end\":\"AA==\",\"serializable\":true}");
    step("range min/max mod revision", "/v3/kv/range",
        "{\"key\":\"" + b64("fo") + "\",\"range_end\":\"" + b64("fp") + "\",\"min_mod_revision\":\"3\",\"max_mod_revision\":\"4\"}");
    step("range future revision", "/v3/kv/range", "{\"key\":\"" + b64("foo") + "\",\"revision\":1000}");
    step("put ignore_value on a missing key", "/v3/kv/put", "{\"key\":\"" + b64("nokey") + "\",\"ignore_value\":true}");
    step("put with a lease that does not exist", "/v3/kv/put",
        "{\"key\":\"" + b64("leased") + "\",\"value\":\"" + b64("x") + "\",\"lease\":\"12345\"}");

    String k = b64("foo");
    step("txn success branch", "/v3/kv/txn", "{\"compare\":[{\"key\":\"" + k + "\",\"target\":\"VALUE\",\"result\":\"EQUAL\",\"value\":\""
        + b64("baz") + "\"},{\"key\":\"" + k + "\",\"target\":\"CREATE\",\"result\":\"GREATER\",\"createRevision\":\"0\"}],"
        + "\"success\":[{\"request_put\":{\"key\":\"" + k + "\",\"value\":\"" + b64("q") + "\",\"prev_kv\":true}},"
        + "{\"request_range\":{\"key\":\"" + k + "\"}},{\"request_delete_range\":{\"key\":\"" + b64("none") + "\"}}],"
        + "\"failure\":[{\"request_put\":{\"key\":\"" + k + "\",\"value\":\"" + b64("never") + "\"}}]}");
    step("txn failure branch", "/v3/kv/txn", "{\"compare\":[{\"key\":\"" + k + "\",\"target\":\"VERSION\",\"result\":\"GREATER\",\"version\":\"100\"}],"
        + "\"success\":[{\"request_put\":{\"key\":\"" + k + "\",\"value\":\"" + b64("never") + "\"}}],"
        + "\"failure\":[{\"requestRange\":{\"key\":\"" + b64("fo") + "\",\"range_end\":\"" + b64("fp") + "\",\"keys_only\":true}},"
        + "{\"request_txn\":{\"success\":[{\"request_put\":{\"key\":\"" + b64("nested") + "\",\"value\":\"" + b64("n") + "\"}}]}}]}");
    step("txn with a mod_revision compare, empty branches", "/v3/kv/txn",
        "{\"compare\":[{\"key\":\"" + k + "\",\"target\":\"MOD\",\"result\":\"LESS\",\"mod_revision\":\"1000\"}]}");
    step("txn duplicate key", "/v3/kv/txn", "{\"success\":[{\"request_put\":{\"key\":\"" + k + "\"}},{\"request_put\":{\"key\":\"" + k + "\"}}]}");

    step("deleterange prev_kv", "/v3/kv/deleterange", "{\"key\":\"" + b64("fop") + "\",\"prev_kv\":true}");
    step("deleterange range prev_kv", "/v3/kv/deleterange",
        "{\"key\":\"" + b64("foz") + "\",\"range_end\":\"" + b64("fp") + "\",\"prev_kv\":true}");
    step("deleterange nothing", "/v3/kv/deleterange", "{\"key\":\"" + b64("absent") + "\"}");
    step("range after deletes", "/v3/kv/range", "{\"key\":\"AA==\",\"range_end\":\"AA==\"}");
  }

  private void watch() throws Exception {
    String key = b64("watch/a");
    String create = "{\"create_request\":{\"key\":\"" + b64("watch/") + "\",\"range_end\":\"" + b64("watch0")
        + "\",\"prev_kv\":true}}";
    try (Http1 we = Http1.open(onEtcd.port(), "POST", "/v3/watch", Map.of(), bytes(create), 10_000);
        Http1 wc = Http1.open(onCairn.port(), "POST", "/v3/watch", Map.of(), bytes(create), 10_000)) {
      compareHead("watch stream head", we, wc);
      compareLine("watch created", we.readLine(), wc.readLine());
      // one write at a time, each awaited on both streams, so both send one event per response
      step("watch: put", "/v3/kv/put", "{\"key\":\"" + key + "\",\"value\":\"" + b64("v1") + "\"}");
      compareLine("watch: put event", we.readLine(), wc.readLine());
      step("watch: overwrite", "/v3/kv/put", "{\"key\":\"" + key + "\",\"value\":\"" + b64("v2") + "\"}");
      compareLine("watch: overwrite event with prev_kv", we.readLine(), wc.readLine());
      step("watch: delete", "/v3/kv/deleterange", "{\"key\":\"" + key + "\"}");
      compareLine("watch: delete event", we.readLine(), wc.readLine());
      step("watch: txn of two puts", "/v3/kv/txn", "{\"success\":[{\"request_put\":{\"key\":\"" + b64("watch/b")
          + "\",\"value\":\"" + b64("1") + "\"}},{\"request_put\":{\"key\":\"" + b64("watch/c") + "\",\"value\":\""
          + b64("2") + "\"}}]}");
      compareLine("watch: txn events (one response, one revision)", we.readLine(), wc.readLine());
    }

    // a body with several requests: create, then cancel, in one go
    String createThenCancel = "{\"create_request\":{\"key\":\"" + key + "\"}}\n{\"cancel_request\":{\"watch_id\":\"0\"}}";
    try (Http1 we = Http1.open(onEtcd.port(), "POST", "/v3/watch", Map.of(), bytes(createThenCancel), 10_000);
        Http1 wc = Http1.open(onCairn.port(), "POST", "/v3/watch", Map.of(), bytes(createThenCancel), 10_000)) {
      compareLine("watch create+cancel: created", we.readLine(), wc.readLine());
      compareLine("watch create+cancel: canceled", we.readLine(), wc.readLine());
    }

    // history: start_revision replays the events from that revision on (filters drop the deletes)
    long from = Long.parseLong(field(etcdHeader, "revision")) - 3;
    String history = "{\"create_request\":{\"key\":\"" + b64("watch/") + "\",\"range_end\":\"" + b64("watch0")
        + "\",\"start_revision\":\"" + from + "\",\"filters\":[\"NODELETE\"]}}";
    try (Http1 we = Http1.open(onEtcd.port(), "POST", "/v3/watch", Map.of(), bytes(history), 10_000);
        Http1 wc = Http1.open(onCairn.port(), "POST", "/v3/watch", Map.of(), bytes(history), 10_000)) {
      compareLine("watch history: created", we.readLine(), wc.readLine());
      compareLine("watch history: replayed events", we.readLine(), wc.readLine());
    }

    // A request object that does not decode, after a good one: grpc-gateway's send loop (3.4 and 3.6
    // alike) stops reading and half-closes the call, and the stream goes on: the watch still delivers.
    String goodThenBad = "{\"create_request\":{\"key\":\"" + b64("wg/") + "\",\"range_end\":\"" + b64("wg0") + "\"}} xx";
    try (Http1 we = Http1.open(onEtcd.port(), "POST", "/v3/watch", Map.of(), bytes(goodThenBad), 10_000);
        Http1 wc = Http1.open(onCairn.port(), "POST", "/v3/watch", Map.of(), bytes(goodThenBad), 10_000)) {
      compareHead("watch then garbage: head", we, wc);
      compareLine("watch then garbage: created", we.readLine(), wc.readLine());
      step("watch then garbage: put", "/v3/kv/put", "{\"key\":\"" + b64("wg/1") + "\",\"value\":\"" + b64("x") + "\"}");
      compareLine("watch then garbage: the watch still delivers", we.readLine(), wc.readLine());
    }

    // A first request object that does not decode. etcd 3.4 (grpc-gateway v1) decodes the first
    // object before streaming and fails the whole request with the decode error as gRPC Unknown:
    // HTTP 500, {"error":M,"message":M,"code":2}. etcd 3.6 (grpc-gateway v2) decodes every object in
    // its send goroutine and on error only half-closes: the client gets no answer at all until it
    // hangs up. Cairn answers 400 with the stream error shape of 3.6 ({"error":{"code":3,...}}) and
    // the same message: asserted here as such.
    for (String bad : new String[] {"{\"create_request\":", "xx", "{\"create_request\":{\"key\" 1}}"}) {
      Http1.Response e = Http1.post(onEtcd.port(), "/v3/watch", bad);
      Http1.Response c = Http1.post(onCairn.port(), "/v3/watch", bad);
      Matcher m = Pattern.compile("\\{\"error\":(\"(?:[^\"\\\\]|\\\\.)*\"),\"message\":\\1,\"code\":2}").matcher(e.text());
      if (e.status() != 500 || !m.matches()) {
        mismatches.add("watch, bad first object " + bad + ": etcd 3.4 did not answer as documented: " + e);
        continue;
      }
      String want = "400 {\"error\":{\"code\":3,\"message\":" + m.group(1) + "}}\n";
      if (!want.equals(c.toString())) {
        mismatches.add("watch, bad first object " + bad + "\n--- expected (etcd's message, 3.6 stream error shape):\n"
            + want + "\n--- cairn:\n" + c);
      }
    }
  }

  private void compaction() throws Exception {
    long rev = Long.parseLong(field(etcdHeader, "revision"));
    step("compaction", "/v3/kv/compaction", "{\"revision\":\"" + (rev - 2) + "\"}");
    step("range below the compaction", "/v3/kv/range", "{\"key\":\"" + b64("foo") + "\",\"revision\":\"" + (rev - 3) + "\"}");
    step("compaction again at the same revision", "/v3/kv/compaction", "{\"revision\":\"" + (rev - 2) + "\"}");
    step("compaction at a future revision", "/v3/kv/compaction", "{\"revision\":\"" + (rev + 100) + "\"}");
    step("compaction physical", "/v3/kv/compaction", "{\"revision\":\"" + (rev - 1) + "\",\"physical\":true}");
    step("range at the compaction revision", "/v3/kv/range", "{\"key\":\"" + b64("foo") + "\",\"revision\":\"" + (rev - 1) + "\"}");
  }

  private void maintenanceAndCluster() throws Exception {
    // 3.6 adds storageVersion and dbSizeQuota (and isLearner/errors when set) to StatusResponse:
    // removed from Cairn's body. Sizes, indexes and the version string are the servers' own figures.
    UnaryOperator<String> statusMask = s -> s
        .replaceAll("\"storageVersion\":\"[^\"]*\",?", "")
        .replaceAll(",\"dbSizeQuota\":\"\\d+\"", "")
        .replaceAll("\"(version|dbSize|dbSizeInUse|raftIndex|raftAppliedIndex)\":\"[^\"]*\"", "\"$1\":\"X\"");
    step("maintenance status", "POST", "/v3/maintenance/status", "{}", UnaryOperator.identity(), statusMask);
    step("maintenance status, empty body", "POST", "/v3/maintenance/status", "", UnaryOperator.identity(), statusMask);

    // the Cluster service's header carries no revision in any etcd version (ClusterServer.header sets only the
    // cluster id, member id and raft term): compared as is
    UnaryOperator<String> urls = s -> s.replaceAll("http://127\\.0\\.0\\.1:\\d+", "URL");
    step("cluster member list", "POST", "/v3/cluster/member/list", "{}", UnaryOperator.identity(), urls);
    step("cluster member list linearizable", "POST", "/v3/cluster/member/list", "{\"linearizable\":true}",
        UnaryOperator.identity(), urls);

    // 3.4's Alarm returns the applied response as is: {} without a header; 3.5+ fills the header
    // (maintenance.go Alarm: resp.Header = &pb.ResponseHeader{}; ms.hdr.fill(resp.Header)).
    String header = etcdHeader;
    step("maintenance alarm list", "POST", "/v3/maintenance/alarm", "{}",
        v -> v.body().equals("{}") ? v.withBody("{" + header + "}") : v, UnaryOperator.identity());
    step("maintenance alarm list (action GET)", "POST", "/v3/maintenance/alarm", "{\"action\":\"GET\"}",
        v -> v.body().equals("{}") ? v.withBody("{" + header + "}") : v, UnaryOperator.identity());
    step("maintenance defragment", "/v3/maintenance/defragment", "{}");
  }

  private void malformed() throws Exception {
    // Syntax errors: both etcd versions read the body with Go's json.Decoder before the proto
    // unmarshal, so the messages are Go's and the same in 3.4 and 3.6.
    step("truncated JSON", "/v3/kv/range", "{\"key\":");
    step("truncated JSON in a string", "/v3/kv/range", "{\"key\":\"Zm9v");
    step("unterminated object", "/v3/kv/range", "{\"key\":\"Zm9v\"");
    step("not JSON", "/v3/kv/range", "xyz");
    step("missing colon", "/v3/kv/range", "{\"key\" \"Zm9v\"}");
    step("trailing comma", "/v3/kv/range", "{\"key\":\"Zm9v\",}");
    step("control character in a string", "/v3/kv/put", "{\"key\":\"Zm9v\",\"value\":\"a\tb\"}");
    step("data after the first value is ignored", "/v3/kv/range", "{\"key\":\"" + b64("foo") + "\"} trailing {");
    step("unknown fields are ignored", "/v3/kv/range", "{\"key\":\"" + b64("foo") + "\",\"nope\":{\"deep\":[1]}}");
    step("empty key", "/v3/kv/range", "{\"key\":\"\"}");
    step("empty body", "/v3/kv/range", "");
    step("put empty key", "/v3/kv/put", "{\"key\":\"\",\"value\":\"" + b64("v") + "\"}");
    step("deleterange empty key", "/v3/kv/deleterange", "{}");

    // Wrong types: the status and code are the same, but the message comes from a different
    // decoder in each version (3.4: golang/protobuf jsonpb and encoding/json, e.g. "json: cannot
    // unmarshal number into Go value of type []uint8"; 3.6: protojson, "proto: (line 1:8): invalid
    // value for bytes field key: 5", whose "proto:" prefix is followed by a randomised space), so
    // no fixed text can match: compared with the message masked, and Cairn's must be a plain
    // sentence without Java internals.
    for (String bad : new String[] {"{\"key\":5}", "{\"key\":\"" + b64("foo") + "\",\"limit\":\"abc\"}",
        "{\"key\":\"" + b64("foo") + "\",\"limit\":1.5}", "{\"key\":\"" + b64("foo") + "\",\"keys_only\":\"yes\"}",
        "{\"key\":\"!!!\"}", "[]", "\"Zm9v\"", "{\"key\":[\"Zm9v\"]}", "{\"key\":1234}",
        "{\"key\":\"" + b64("foo") + "\",\"keys_only\":\"true\"}", "{\"key\":\"" + b64("foo") + "\",\"limit\":{}}",
        "{\"key\":\"" + b64("foo") + "\",\"keys_only\":1}"}) {
      Http1.Response c = step("wrong type " + bad, "POST", "/v3/kv/range", bad, UnaryOperator.identity(),
          s -> s.replaceAll("\"message\":\"(?:[^\"\\\\]|\\\\.)*\"", "\"message\":M"));
      if (!c.text().matches("\\{\"code\":3,\"message\":\"[^\"].*") || c.text().matches("(?s).*(java\\.|com\\.google|Exception|https?:).*")) {
        mismatches.add("wrong type " + bad + ": Cairn's message is not a plain sentence: " + c);
      }
    }

    // A null body: 3.4's jsonpb reads JSON null as the empty message (here: a valid status request);
    // 3.6's protojson refuses a top-level null ("unexpected token null") with code 3, as Cairn does.
    Http1.Response en = Http1.post(onEtcd.port(), "/v3/maintenance/status", "null");
    Http1.Response cn = Http1.post(onCairn.port(), "/v3/maintenance/status", "null");
    expect("null body: etcd 3.4 reads it as an empty request", en.status() == 200, en);
    expect("null body: Cairn refuses it like 3.6", cn.status() == 400 && cn.text().startsWith("{\"code\":3,\"message\":\""), cn);

    // A field given twice: 3.4's jsonpb reads the object into a Go map, so the last one wins; 3.6's
    // protojson refuses it (duplicate field "key"), as Cairn does.
    String twice = "{\"key\":\"" + b64("nothing-here") + "\",\"key\":\"" + b64("foo") + "\"}";
    Http1.Response de = Http1.post(onEtcd.port(), "/v3/kv/range", twice);
    Http1.Response dc = Http1.post(onCairn.port(), "/v3/kv/range", twice);
    expect("duplicate field: etcd 3.4 keeps the last", de.status() == 200 && de.text().contains("\"count\":\"1\""), de);
    expect("duplicate field: Cairn refuses it like 3.6",
        dc.toString().equals("400 {\"code\":3,\"message\":\"duplicate field \\\"key\\\"\"}"), dc);

    // An unknown enum name: 3.4 refuses it (unknown value "NOPE" for enum ...); 3.6 unmarshals with
    // DiscardUnknown, which also drops unknown enum names, so the request is the same as without
    // the field: Cairn must answer exactly what etcd answers to that request.
    Http1.Response enumE = Http1.post(onEtcd.port(), "/v3/kv/range",
        "{\"key\":\"" + b64("foo") + "\",\"sort_order\":\"NOPE\"}");
    expect("unknown enum name: etcd 3.4 refuses it", enumE.status() == 400 && enumE.text().contains("NOPE"), enumE);
    Http1.Response plainE = Http1.post(onEtcd.port(), "/v3/kv/range", "{\"key\":\"" + b64("foo") + "\"}");
    Http1.Response enumC = Http1.post(onCairn.port(), "/v3/kv/range",
        "{\"key\":\"" + b64("foo") + "\",\"sort_order\":\"NOPE\"}");
    compare("unknown enum name is dropped (3.6 DiscardUnknown)", "/v3/kv/range", plainE, enumC,
        UnaryOperator.identity(), UnaryOperator.identity());

    // Routing. The generic rule in to36 maps 3.4's plain-text "Not Found"/"Method Not Allowed" for
    // /v3/ paths to 3.6's JSON routing errors.
    step("GET on a POST route", "GET", "/v3/kv/range", null, UnaryOperator.identity(), UnaryOperator.identity());
    step("PUT on a POST route", "PUT", "/v3/kv/put", "{}", UnaryOperator.identity(), UnaryOperator.identity());
    step("DELETE on a POST route", "DELETE", "/v3/kv/deleterange", null, UnaryOperator.identity(), UnaryOperator.identity());
    step("unknown /v3 path", "/v3/kv/nope", "{}");
    step("route with a trailing slash", "/v3/kv/range/", "{\"key\":\"" + b64("foo") + "\"}");
    step("/v3/ itself", "GET", "/v3/", null, UnaryOperator.identity(), UnaryOperator.identity());
    step("/v3beta is rewritten to /v3", "/v3beta/kv/range", "{\"key\":\"" + b64("foo") + "\"}");
    step("/v3alpha is gone", "/v3alpha/kv/range", "{\"key\":\"" + b64("foo") + "\"}");
    step("unknown path", "/nope", "{}");
    step("percent-encoded path", "/v3/kv/%72ange", "{\"key\":\"" + b64("foo") + "\"}");
    step("query string is ignored", "/v3/kv/range?serializable=true&x", "{\"key\":\"" + b64("foo") + "\"}");
    step("double slash redirects (POST: no body)", "//v3/kv/range?a=b", "{\"key\":\"" + b64("foo") + "\"}");
    step("dot segments redirect (GET: HTML body)", "GET", "/v3/./kv/../kv/range", null, UnaryOperator.identity(),
        UnaryOperator.identity());
    step("/v3 redirects to /v3/", "GET", "/v3", null, UnaryOperator.identity(), UnaryOperator.identity());
    step("OPTIONS (CORS preflight)", "OPTIONS", "/v3/kv/range", null, UnaryOperator.identity(), UnaryOperator.identity());
    step("OPTIONS on any path", "OPTIONS", "//anything", null, UnaryOperator.identity(), UnaryOperator.identity());
  }

  private void plainEndpoints() throws Exception {
    // 3.6's /version adds "storage"; the version numbers are each server's own.
    UnaryOperator<String> versions = s -> s.replaceAll("\"\\d+\\.\\d+\\.\\d+\"", "\"V\"");
    step("version", "GET", "/version", null,
        v -> v.withBody(v.body().replaceFirst("}$", ",\"storage\":\"3.7.0\"}")), versions);
    // 3.5+ adds "reason" to /health (empty when healthy).
    UnaryOperator<View> reason = v -> v.withBody(v.body().replaceFirst("}$", ",\"reason\":\"\"}"));
    step("health", "GET", "/health", null, reason, UnaryOperator.identity());
    step("health serializable", "GET", "/health?serializable=true", null, reason, UnaryOperator.identity());
    step("health exclude", "GET", "/health?exclude=NOSPACE", null, reason, UnaryOperator.identity());
    step("health wrong method", "POST", "/health", "{}", UnaryOperator.identity(), UnaryOperator.identity());
    step("version wrong method", "POST", "/version", "{}", UnaryOperator.identity(), UnaryOperator.identity());
    step("metrics (content type only)", "GET", "/metrics", null, UnaryOperator.identity(), s -> s.replaceAll("(?s)\n\n.*", "\n\n(metrics)"));
    // /livez and /readyz are 3.5.11+/3.6 endpoints: 3.4 has none (404).
    for (String probe : new String[] {"/livez", "/readyz"}) {
      Http1.Response e = Http1.get(onEtcd.port(), probe);
      Http1.Response c = Http1.get(onCairn.port(), probe);
      expect(probe + ": not in etcd 3.4", e.status() == 404, e);
      expect(probe + ": 3.6's answer", c.status() == 200 && c.text().equals("ok\n"), c);
    }
  }

  private void leaseAndAuth() throws Exception {
    UnaryOperator<String> leaseIds = s -> s.replaceAll("\"ID\":\"\\d+\"", "\"ID\":\"LEASE\"");
    Http1.Response[] grant = stepBoth("lease grant", "POST", "/v3/lease/grant", "{\"TTL\":60}",
        UnaryOperator.identity(), leaseIds);
    String etcdLease = grant[0].status() == 200 ? field(grant[0].text(), "ID") : "1";
    String cairnLease = grant[1].status() == 200 ? field(grant[1].text(), "ID") : "1";
    expect("lease grant works on etcd", grant[0].status() == 200, grant[0]);

    // keepalive: one request object, then the body ends; etcd answers once and ends the stream
    Http1.Response ke = Http1.post(onEtcd.port(), "/v3/lease/keepalive", "{\"ID\":\"" + etcdLease + "\"}");
    Http1.Response kc = Http1.post(onCairn.port(), "/v3/lease/keepalive", "{\"ID\":\"" + cairnLease + "\"}");
    compare("lease keepalive stream", "/v3/lease/keepalive", ke, kc, UnaryOperator.identity(), leaseIds);

    // the remaining TTL depends on the wall clock (59 or 60): masked
    UnaryOperator<String> ttl = s -> leaseIds.apply(s).replaceAll("\"TTL\":\"\\d+\"", "\"TTL\":\"T\"");
    compare("lease timetolive", "/v3/lease/timetolive",
        Http1.post(onEtcd.port(), "/v3/lease/timetolive", "{\"ID\":\"" + etcdLease + "\",\"keys\":true}"),
        Http1.post(onCairn.port(), "/v3/lease/timetolive", "{\"ID\":\"" + cairnLease + "\",\"keys\":true}"),
        UnaryOperator.identity(), ttl);
    compare("lease timetolive (kv/lease alias)", "/v3/kv/lease/timetolive",
        Http1.post(onEtcd.port(), "/v3/kv/lease/timetolive", "{\"ID\":\"" + etcdLease + "\"}"),
        Http1.post(onCairn.port(), "/v3/kv/lease/timetolive", "{\"ID\":\"" + cairnLease + "\"}"),
        UnaryOperator.identity(), ttl);
    stepBoth("lease leases", "POST", "/v3/lease/leases", "{}", UnaryOperator.identity(), leaseIds);
    // auth is not enabled: etcd refuses with FailedPrecondition (code 9, HTTP status: see to36)
    stepBoth("auth authenticate", "POST", "/v3/auth/authenticate", "{\"name\":\"root\",\"password\":\"x\"}",
        UnaryOperator.identity(), UnaryOperator.identity());
  }

  private void lockAndElection() throws Exception {
    // etcd's v3lock/v3election servers return plain Go errors, which gRPC reports as Unknown (2) and
    // the gateway as 500; only requests that change nothing are sent here
    step("election leader, none", "/v3/election/leader", "{\"name\":\"" + b64("no-election") + "\"}");
    step("election proclaim without a leader key", "/v3/election/proclaim", "{}");
    step("election resign without a leader key", "/v3/election/resign", "{}");
    step("lock unlock, empty key", "/v3/lock/unlock", "{}");
  }

  // ------------------------------------------------------------------------------ the machinery

  /** The part of a response that is compared. */
  record View(int status, Map<String, String> headers, String body) {
    // (not the framing of whole responses: Go switches to chunked above 2 KiB without a length)
    static final List<String> COMPARED = List.of("content-type", "location", "x-content-type-options", "allow",
        "access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers");

    static View of(Http1.Response r) {
      Map<String, String> h = new LinkedHashMap<>();
      for (String name : COMPARED) {
        if (r.header(name) != null) {
          h.put(name, r.header(name));
        }
      }
      return new View(r.status(), h, r.text());
    }

    View withBody(String b) {
      return new View(status, headers, b);
    }

    View json(int newStatus, String b) {
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.put("content-type", "application/json");
      h.remove("x-content-type-options");
      return new View(newStatus, h, b);
    }

    String render(Side side) {
      StringBuilder sb = new StringBuilder().append(status).append('\n');
      headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
      return sb.append('\n').append(Normalize.ids(body, side.memberId(), side.clusterId())).toString();
    }
  }

  private static final Pattern ERROR_34 =
      Pattern.compile("\\{\"error\":(\"(?:[^\"\\\\]|\\\\.)*\"),\"message\":(\"(?:[^\"\\\\]|\\\\.)*\"),\"code\":(\\d+)}");
  private static final Pattern FULL_HEADER =
      Pattern.compile("\"header\":\\{\"cluster_id\":\"\\d+\",\"member_id\":\"\\d+\",\"revision\":\"\\d+\",\"raft_term\":\"\\d+\"}");

  /**
   * etcd 3.4's answer as etcd 3.6 gives it, for the differences that hold for every route:
   * <ul>
   *   <li>Error bodies: grpc-gateway v1 (3.4) writes {"error":M,"message":M,"code":C}; v2 (3.6)
   *       writes google.rpc.Status with empty details omitted, {"code":C,"message":M}. The status
   *       code mapping is the same for the codes seen here.
   *   <li>HTTP status of an error: v1's HTTPStatusFromCode maps FailedPrecondition (9) to 412 and
   *       Canceled (1) to 408; v2's maps them to 400 and 499 (the other codes map alike).
   *   <li>Routing errors under /v3/: v1 answers with net/http's plain-text http.Error ("Not Found",
   *       "Method Not Allowed"); v2's routing error handler answers JSON with code 5 (NotFound) and
   *       12 (Unimplemented), keeping 404 and 405.
   * </ul>
   */
  static View to36(String path, View v) {
    Matcher m = ERROR_34.matcher(v.body());
    if (m.matches() && m.group(1).equals(m.group(2))) {
      int code = Integer.parseInt(m.group(3));
      int status = code == 9 && v.status() == 412 ? 400 : code == 1 && v.status() == 408 ? 499 : v.status();
      return new View(status, v.headers(), "{\"code\":" + code + ",\"message\":" + m.group(2) + "}");
    }
    String p = path.replaceFirst("\\?.*", "");
    if (p.startsWith("/v3/") && v.status() == 404 && v.body().equals("Not Found\n")) {
      return v.json(404, "{\"code\":5,\"message\":\"Not Found\"}");
    }
    if (p.startsWith("/v3/") && v.status() == 405 && v.body().equals("Method Not Allowed\n")) {
      return v.json(405, "{\"code\":12,\"message\":\"Method Not Allowed\"}");
    }
    return v;
  }

  private Http1.Response step(String name, String path, String body) throws IOException {
    return step(name, "POST", path, body, UnaryOperator.identity(), UnaryOperator.identity());
  }

  private Http1.Response step(String name, String method, String path, String body, UnaryOperator<View> etcdTo36,
      UnaryOperator<String> mask) throws IOException {
    return stepBoth(name, method, path, body, etcdTo36, mask)[1];
  }

  /** Sends the request to both, compares; returns {etcd's, Cairn's} responses. */
  private Http1.Response[] stepBoth(String name, String method, String path, String body,
      UnaryOperator<View> etcdTo36, UnaryOperator<String> mask) throws IOException {
    Http1.Response e = Http1.exchange(onEtcd.port(), method, path, Map.of(), bytes(body));
    Http1.Response c = Http1.exchange(onCairn.port(), method, path, Map.of(), bytes(body));
    compare(name + "  [" + method + " " + path + " " + body + "]", path, e, c, etcdTo36, mask);
    return new Http1.Response[] {e, c};
  }

  private void compare(String label, String path, Http1.Response e, Http1.Response c, UnaryOperator<View> etcdTo36,
      UnaryOperator<String> mask) {
    String name = label.replaceFirst("  \\[.*", "");
    Matcher h = FULL_HEADER.matcher(e.text());
    if (h.find()) {
      etcdHeader = h.group();
    }
    if (PENDING_LEASE_AND_AUTH.contains(name) && c.status() == 501) {
      // Cairn's Lease/Auth answer UNIMPLEMENTED: the comparison waits for them (see the list)
      if (c.text().contains("\"code\":12") && c.text().contains("is unimplemented")) {
        pendingStill501.add(name);
      } else {
        mismatches.add(label + ": 501 without gRPC code 12: " + c);
      }
      return;
    }
    String want = mask.apply(etcdTo36.apply(to36(path, View.of(e))).render(onEtcd));
    String got = mask.apply(View.of(c).render(onCairn));
    boolean same = want.equals(got);
    if (KNOWN_SERVICE_MISMATCHES.containsKey(name)) {
      if (!same) {
        knownStillDiffering.add(name);
        return;
      }
      mismatches.add(label + ": listed in KNOWN_SERVICE_MISMATCHES but now the same as etcd: remove it");
    }
    if (PENDING_LEASE_AND_AUTH.contains(name)) {
      mismatches.add(label + ": Cairn no longer answers 501: remove it from PENDING_LEASE_AND_AUTH");
    }
    if (!same) {
      mismatches.add(label + "\n--- etcd (as 3.6):\n" + want + "\n--- cairn:\n" + got);
    }
  }

  /** A stream's status line and framing: 200, JSON, chunked. */
  private void compareHead(String label, Http1 e, Http1 c) {
    String want = e.status() + " " + e.headers().get("content-type") + " " + e.headers().get("transfer-encoding");
    String got = c.status() + " " + c.headers().get("content-type") + " " + c.headers().get("transfer-encoding");
    if (!want.equals(got)) {
      mismatches.add(label + "\n--- etcd:\n" + want + "\n--- cairn:\n" + got);
    }
  }

  private void compareLine(String label, String etcdLine, String cairnLine) {
    String want = etcdLine == null ? "<end>" : Normalize.ids(etcdLine, onEtcd.memberId(), onEtcd.clusterId());
    String got = cairnLine == null ? "<end>" : Normalize.ids(cairnLine, onCairn.memberId(), onCairn.clusterId());
    Matcher h = FULL_HEADER.matcher(etcdLine == null ? "" : etcdLine);
    if (h.find()) {
      etcdHeader = h.group();
    }
    if (!want.equals(got)) {
      mismatches.add(label + "\n--- etcd:\n" + want + "\n--- cairn:\n" + got);
    }
  }

  private void expect(String label, boolean ok, Http1.Response r) {
    if (!ok) {
      mismatches.add(label + ": " + r);
    }
  }

  private static byte[] bytes(String body) {
    return body == null ? null : body.getBytes(StandardCharsets.UTF_8);
  }
}
