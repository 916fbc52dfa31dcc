package io.cairn.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.etcdserverpb.WatchRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GatewayStreamingTest {
  private static TestGateway gw;

  @BeforeAll
  static void start() throws Exception {
    gw = new TestGateway();
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  @Test
  void watchWithSeveralRequestObjectsInOneBody() throws Exception {
    HttpResponse<String> r =
        gw.post(
            "/v3/watch",
            "{\"create_request\":{\"key\":\"Zm9v\"}}\n{\"createRequest\":{\"key\":\"YmFy\",\"prevKv\":true}}{\"cancel_request\":{\"watch_id\":\"0\"}}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    List<String> lines = r.body().lines().toList();
    String header =
        "\"header\":{\"cluster_id\":\"12585971608760269493\",\"member_id\":\"42\",\"revision\":\"2\",\"raft_term\":\"3\"}";
    assertThat(lines)
        .containsExactly(
            "{\"result\":{" + header + ",\"created\":true}}",
            "{\"result\":{" + header + ",\"events\":[{\"kv\":{\"key\":\"Zm9v\",\"create_revision\":\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"YmFy\"}},"
                + "{\"type\":\"DELETE\",\"kv\":{\"key\":\"Zm9v\",\"mod_revision\":\"3\"}}]}}",
            "{\"result\":{" + header + ",\"watch_id\":\"1\",\"created\":true}}",
            "{\"result\":{" + header + ",\"watch_id\":\"1\",\"events\":[{\"kv\":{\"key\":\"YmFy\",\"create_revision\":\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"YmFy\"}},"
                + "{\"type\":\"DELETE\",\"kv\":{\"key\":\"YmFy\",\"mod_revision\":\"3\"}}]}}",
            "{\"result\":{" + header + ",\"canceled\":true}}");
    assertThat(r.body()).endsWith("}\n");
  }

  @Test
  void watchForwardsEachObjectBeforeTheBodyEndsAndFlushesEachResponse() throws Exception {
    try (RawHttp raw = new RawHttp(gw.port())) {
      raw.write("POST /v3/watch HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
      // one object split over two chunks
      raw.chunk("{\"create_request\":");
      raw.chunk("{\"key\":\"Zm9v\"}}\n");
      RawHttp.Head head = raw.readHead();
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.headers()).containsEntry("transfer-encoding", "chunked").containsEntry("content-type", "application/json");
      assertThat(raw.readChunk()).startsWith("{\"result\":").contains("\"created\":true").endsWith("}\n");
      assertThat(raw.readChunk()).contains("\"events\"");
      // the stream is still open: a second request on the same body gets its answer
      raw.chunk("{\"cancel_request\":{\"watch_id\":\"0\"}}");
      assertThat(raw.readChunk()).contains("\"canceled\":true");
      assertThat(gw.fake.requests).anyMatch(m -> m instanceof WatchRequest w && w.hasCancelRequest());
      // the body's end half-closes the call; the fake then ends the stream
      raw.lastChunk();
      assertThat(raw.readChunk()).isNull();
      // and the connection is reusable
      raw.write("POST /v3/kv/range HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 14\r\n\r\n{\"key\":\"Zm9v\"}");
      assertThat(raw.readResponse().status()).isEqualTo(200);
    }
  }

  @Test
  void badObjectMidStreamOnlyHalfClosesLikeGrpcGatewaysSendLoop() throws Exception {
    for (String bad : new String[] {"{\"create_request\":{\"start_revision\":\"abc\"}}", "xx", "[1]"}) {
      try (RawHttp raw = new RawHttp(gw.port())) {
        raw.write("POST /v3/watch HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
        raw.chunk("{\"create_request\":{\"key\":\"Zm9v\"}}");
        assertThat(raw.readHead().status()).isEqualTo(200);
        raw.readChunk();
        raw.readChunk();
        int before = gw.fake.requests.size();
        raw.chunk(bad);
        // no error chunk: the call is half-closed (the fake then ends the stream), nothing more is sent
        assertThat(raw.readChunk()).as(bad).isNull();
        assertThat(gw.fake.requests).hasSize(before);
      }
    }
  }

  @Test
  void badFirstObjectIs400() throws Exception {
    HttpResponse<String> r = gw.post("/v3/watch", "{\"create_request\":");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).isEqualTo("{\"error\":{\"code\":3,\"message\":\"unexpected EOF\"}}\n");
    HttpResponse<String> x = gw.post("/v3/watch", " x");
    assertThat(x.body())
        .isEqualTo("{\"error\":{\"code\":3,\"message\":\"invalid character 'x' looking for beginning of value\"}}\n");
    HttpResponse<String> r2 = gw.post("/v3/lease/keepalive", "not json");
    assertThat(r2.statusCode()).isEqualTo(400);
  }

  @Test
  void leaseKeepAliveStream() throws Exception {
    HttpResponse<String> r = gw.post("/v3/lease/keepalive", "{\"ID\":\"7\"}{\"ID\":8}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body().lines().toList())
        .hasSize(2)
        .allMatch(l -> l.contains("\"TTL\":\"10\""))
        .anyMatch(l -> l.contains("\"ID\":\"7\""))
        .anyMatch(l -> l.contains("\"ID\":\"8\""));
  }

  @Test
  void errorFromTheServerAfterResultsIsAnErrorChunk() throws Exception {
    HttpResponse<String> r = gw.post("/v3/lease/keepalive", "{\"ID\":\"7\"}{\"ID\":\"-1\"}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body().lines().toList())
        .containsExactly(
            r.body().lines().findFirst().orElseThrow(),
            "{\"error\":{\"code\":5,\"message\":\"etcdserver: requested lease not found\"}}");
  }

  @Test
  void snapshotIsServerStreamed() throws Exception {
    HttpResponse<String> r = gw.post("/v3/maintenance/snapshot", "{}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body().lines().toList())
        .hasSize(3)
        .allMatch(l -> l.startsWith("{\"result\":{\"header\":") && l.contains("\"blob\":\"YWJj\""));
    assertThat(r.body().lines().toList().get(0)).contains("\"remaining_bytes\":\"6\"");
    assertThat(r.body().lines().toList().get(2)).doesNotContain("remaining_bytes");
  }

  @Test
  void observeErrorsBeforeAndAfterResults() throws Exception {
    // "fail-later" = ZmFpbC1sYXRlcg==, "fail-first" = ZmFpbC1maXJzdA==
    HttpResponse<String> later = gw.post("/v3/election/observe", "{\"name\":\"ZmFpbC1sYXRlcg==\"}");
    assertThat(later.statusCode()).isEqualTo(200);
    assertThat(later.body().lines().toList())
        .hasSize(3)
        .last()
        .isEqualTo("{\"error\":{\"code\":14,\"message\":\"etcdserver: no leader\"}}");
    HttpResponse<String> first = gw.post("/v3/election/observe", "{\"name\":\"ZmFpbC1maXJzdA==\"}");
    assertThat(first.statusCode()).isEqualTo(503);
    assertThat(first.body()).isEqualTo("{\"error\":{\"code\":14,\"message\":\"election: no leader\"}}\n");
  }

  @Test
  void clientDisconnectCancelsTheWatch() throws Exception {
    try (RawHttp raw = new RawHttp(gw.port())) {
      raw.write("POST /v3/watch HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
      raw.chunk("{\"create_request\":{\"key\":\"Zm9v\"}}");
      assertThat(raw.readHead().status()).isEqualTo(200);
    }
    // nothing to observe from outside but the server must stay healthy
    assertThat(gw.post("/v3/kv/range", "{\"key\":\"Zm9v\"}").statusCode()).isEqualTo(200);
  }
}
