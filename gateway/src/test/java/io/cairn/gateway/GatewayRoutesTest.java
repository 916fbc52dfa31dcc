package io.cairn.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.etcdserverpb.RangeRequest;
import io.grpc.Metadata;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GatewayRoutesTest {
  private static TestGateway gw;

  @BeforeAll
  static void start() throws Exception {
    gw = new TestGateway();
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  private static Metadata.Key<String> key(String k) {
    return Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER);
  }

  @Test
  void everyRouteCallsItsGrpcMethod() throws Exception {
    for (Map.Entry<String, String> e : RouteTableTest.expected().entrySet()) {
      gw.fake.calls.clear();
      // Range needs a key in the fake; every other request may be empty
      String body = e.getKey().equals("/v3/kv/range") ? "{\"key\":\"Zm9v\"}" : "{}";
      HttpResponse<String> r = gw.post(e.getKey(), body);
      assertThat(r.statusCode()).as(e.getKey()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).as(e.getKey()).hasValue("application/json");
      assertThat(gw.fake.calls).as(e.getKey()).containsExactly(e.getValue());
    }
  }

  @Test
  void v3betaPathsWorkLikeV3() throws Exception {
    gw.fake.calls.clear();
    HttpResponse<String> r = gw.post("/v3beta/kv/range", "{\"key\":\"Zm9v\"}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(gw.fake.calls).containsExactly("etcdserverpb.KV/Range");
  }

  @Test
  void rangeAnswersInEtcdsShape() throws Exception {
    HttpResponse<String> r = gw.post("/v3/kv/range", "{\"key\":\"Zm9v\",\"rangeEnd\":\"Zm9w\",\"limit\":\"10\"}");
    assertThat(r.body())
        .isEqualTo(
            "{\"header\":{\"cluster_id\":\"12585971608760269493\",\"member_id\":\"42\",\"revision\":\"2\",\"raft_term\":\"3\"},"
                + "\"kvs\":[{\"key\":\"Zm9v\",\"create_revision\":\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"YmFy\"}],"
                + "\"count\":\"1\"}");
    RangeRequest sent = (RangeRequest) gw.fake.lastRequest();
    assertThat(sent.getRangeEnd().toStringUtf8()).isEqualTo("fop");
    assertThat(sent.getLimit()).isEqualTo(10);
  }

  @Test
  void statusUsesVerbatimProtoNames() throws Exception {
    HttpResponse<String> r = gw.post("/v3/maintenance/status", "");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .contains("\"version\":\"3.6.0\"", "\"dbSize\":\"20480\"", "\"leader\":\"42\"", "\"raftIndex\":\"7\"", "\"dbSizeInUse\":\"16384\"")
        .doesNotContain("isLearner", "errors");
  }

  @Test
  void emptyResponsesAreAnEmptyObject() throws Exception {
    assertThat(gw.post("/v3/maintenance/defragment", "{}").body()).isEqualTo("{}");
  }

  @Test
  void unknownV3PathIs404AndWrongMethodIs405() throws Exception {
    HttpResponse<String> nf = gw.post("/v3/kv/nope", "{}");
    assertThat(nf.statusCode()).isEqualTo(404);
    assertThat(nf.body()).isEqualTo("{\"code\":5,\"message\":\"Not Found\"}");
    HttpResponse<String> get = gw.get("/v3/kv/range");
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.body()).isEqualTo("{\"code\":12,\"message\":\"Method Not Allowed\"}");
    HttpResponse<String> put =
        gw.send(HttpRequest.newBuilder(gw.uri("/v3/kv/put")).PUT(HttpRequest.BodyPublishers.ofString("{}")));
    assertThat(put.statusCode()).isEqualTo(405);
    assertThat(gw.get("/nowhere").statusCode()).isEqualTo(404);
    assertThat(gw.get("/v3alpha/kv/range").statusCode()).isEqualTo(404);
  }

  @Test
  void optionsIsOkWithCorsHeaders() throws Exception {
    HttpResponse<String> r =
        gw.send(HttpRequest.newBuilder(gw.uri("/v3/kv/range")).method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("access-control-allow-origin")).hasValue("*");
    assertThat(r.headers().firstValue("access-control-allow-methods")).hasValue("POST, GET, OPTIONS, PUT, DELETE");
    assertThat(r.headers().firstValue("access-control-allow-headers")).hasValue("accept, content-type, authorization");
    // every response carries them, errors included
    assertThat(gw.post("/v3/kv/nope", "{}").headers().firstValue("access-control-allow-origin")).hasValue("*");
  }

  @Test
  void authorizationHeaderBecomesTokenMetadata() throws Exception {
    gw.send(
        HttpRequest.newBuilder(gw.uri("/v3/kv/put"))
            .header("Authorization", "sssvIpwfnLAcWAQH.9")
            .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"Zm9v\"}")));
    Metadata md = gw.fake.lastHeaders.get();
    assertThat(md.get(key("token"))).isEqualTo("sssvIpwfnLAcWAQH.9");
    assertThat(md.get(key("authorization"))).isEqualTo("sssvIpwfnLAcWAQH.9");

    gw.send(
        HttpRequest.newBuilder(gw.uri("/v3/kv/put"))
            .header("Authorization", "Bearer abc.1")
            .header("Grpc-Metadata-Hasleader", "true")
            .header("Grpc-Metadata-Client-Api-Version", "3.6")
            .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"Zm9v\"}")));
    md = gw.fake.lastHeaders.get();
    assertThat(md.get(key("token"))).isEqualTo("abc.1");
    assertThat(md.get(key("authorization"))).isEqualTo("Bearer abc.1");
    assertThat(md.get(key("hasleader"))).isEqualTo("true");
    assertThat(md.get(key("client-api-version"))).isEqualTo("3.6");

    gw.send(
        HttpRequest.newBuilder(gw.uri("/v3/kv/put"))
            .header("Grpc-Metadata-Token", "viaMetadata.2")
            .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"Zm9v\"}")));
    assertThat(gw.fake.lastHeaders.get().get(key("token"))).isEqualTo("viaMetadata.2");
  }

  @Test
  void expectContinueAsCurlSendsForLargeBodies() throws Exception {
    try (RawHttp raw = new RawHttp(gw.port())) {
      raw.write(
          "POST /v3/kv/range HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
              + "Expect: 100-continue\r\nContent-Length: 14\r\n\r\n");
      assertThat(raw.readHead().status()).isEqualTo(100);
      raw.write("{\"key\":\"Zm9v\"}");
      RawHttp.Response r = raw.readResponse();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).contains("\"count\":\"1\"");
    }
  }

  @Test
  void keepAliveConnectionServesManyRequestsAndPipelining() throws Exception {
    try (RawHttp raw = new RawHttp(gw.port())) {
      String req =
          "POST /v3/kv/range HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 14\r\n\r\n{\"key\":\"Zm9v\"}";
      String bad = "POST /v3/kv/range HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{]";
      // three pipelined requests in one write: answers come back in order
      raw.write(req + bad + req);
      assertThat(raw.readResponse().status()).isEqualTo(200);
      assertThat(raw.readResponse().status()).isEqualTo(400);
      assertThat(raw.readResponse().body()).contains("\"count\":\"1\"");
      raw.write(req);
      assertThat(raw.readResponse().status()).isEqualTo(200);
    }
  }
}
