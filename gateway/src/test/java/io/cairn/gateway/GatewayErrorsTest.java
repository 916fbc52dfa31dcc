package io.cairn.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GatewayErrorsTest {
  private static TestGateway gw;

  @BeforeAll
  static void start() throws Exception {
    gw = new TestGateway(GatewayOptions.builder().maxBodyBytes(4096).build(), new FakeEndpoints());
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  private static String failingPut(int code) {
    String key = Base64.getEncoder().encodeToString(("fail:" + code).getBytes(StandardCharsets.UTF_8));
    return "{\"key\":\"" + key + "\"}";
  }

  @Test
  void grpcCodesMapToGrpcGatewayHttpStatuses() throws Exception {
    Map<Status.Code, Integer> expected =
        Map.ofEntries(
            Map.entry(Status.Code.CANCELLED, 499),
            Map.entry(Status.Code.UNKNOWN, 500),
            Map.entry(Status.Code.INVALID_ARGUMENT, 400),
            Map.entry(Status.Code.DEADLINE_EXCEEDED, 504),
            Map.entry(Status.Code.NOT_FOUND, 404),
            Map.entry(Status.Code.ALREADY_EXISTS, 409),
            Map.entry(Status.Code.PERMISSION_DENIED, 403),
            Map.entry(Status.Code.RESOURCE_EXHAUSTED, 429),
            Map.entry(Status.Code.FAILED_PRECONDITION, 400),
            Map.entry(Status.Code.ABORTED, 409),
            Map.entry(Status.Code.OUT_OF_RANGE, 400),
            Map.entry(Status.Code.UNIMPLEMENTED, 501),
            Map.entry(Status.Code.INTERNAL, 500),
            Map.entry(Status.Code.UNAVAILABLE, 503),
            Map.entry(Status.Code.DATA_LOSS, 500),
            Map.entry(Status.Code.UNAUTHENTICATED, 401));
    for (Map.Entry<Status.Code, Integer> e : expected.entrySet()) {
      int code = e.getKey().value();
      HttpResponse<String> r = gw.post("/v3/kv/put", failingPut(code));
      assertThat(r.statusCode()).as(e.getKey().name()).isEqualTo(e.getValue());
      assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
      assertThat(r.body())
          .as(e.getKey().name())
          .isEqualTo("{\"code\":" + code + ",\"message\":\"etcdserver: test \\\"" + code + "\\\"\"}");
    }
  }

  @Test
  void etcdErrorMessagesPassThrough() throws Exception {
    HttpResponse<String> r = gw.post("/v3/kv/range", "{\"key\":\"\"}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).isEqualTo("{\"code\":3,\"message\":\"etcdserver: key is not provided\"}");
  }

  @Test
  void malformedJsonIs400InvalidArgument() throws Exception {
    for (String bad : new String[] {"{", "{\"key\":}", "[1]", "{\"limit\":\"abc\"}", "{\"key\":\"not base64!\"}", "nul"}) {
      HttpResponse<String> r = gw.post("/v3/kv/range", bad);
      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(r.body()).as(bad).startsWith("{\"code\":3,\"message\":\"").endsWith("}");
    }
    assertThat(gw.fake.calls).doesNotContain("etcdserver.KV/Range_never");
  }

  @Test
  void bodyOverTheLimitIsRefusedFromContentLength() throws Exception {
    String big = "{\"key\":\"" + "A".repeat(5000) + "\"}";
    try (RawHttp raw = new RawHttp(gw.port())) {
      // only the headers are sent: the refusal must not wait for the body
      raw.write("POST /v3/kv/put HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + big.length() + "\r\n\r\n");
      RawHttp.Response r = raw.readResponse();
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.body()).contains("\"code\":8");
      assertThat(raw.closedByServer()).isTrue();
    }
  }

  @Test
  void chunkedBodyOverTheLimitIsRefusedWhileStreaming() throws Exception {
    try (RawHttp raw = new RawHttp(gw.port())) {
      raw.write("POST /v3/kv/put HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
      raw.chunk("{\"key\":\"" + "A".repeat(3000));
      raw.chunk("A".repeat(3000));
      // no last chunk: the refusal comes as soon as the limit is crossed
      RawHttp.Response r = raw.readResponse();
      assertThat(r.status()).isEqualTo(413);
      assertThat(raw.closedByServer()).isTrue();
    }
  }

  @Test
  void bodyJustUnderTheLimitIsAccepted() throws Exception {
    String key = "A".repeat(4000);
    HttpResponse<String> r = gw.post("/v3/kv/put", "{\"key\":\"" + key + "\"}");
    assertThat(r.statusCode()).isEqualTo(200);
  }

  @Test
  void malformedHttpIs4xx() throws Exception {
    try (RawHttp raw = new RawHttp(gw.port())) {
      raw.write("THIS IS NOT HTTP\r\n\r\n");
      RawHttp.Response r = raw.readResponse();
      assertThat(r.status()).isBetween(400, 499);
    }
    try (RawHttp raw = new RawHttp(gw.port())) {
      raw.write("GET /" + "a".repeat(10000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(raw.readResponse().status()).isEqualTo(414);
    }
  }

  @Test
  void brokenChunkEncodingIs400AndCloses() throws Exception {
    try (RawHttp raw = new RawHttp(gw.port())) {
      raw.write("POST /v3/kv/put HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
      raw.chunk("{\"key\":");
      raw.write("zz-not-a-size\r\n\r\n");
      assertThat(raw.readResponse().status()).isEqualTo(400);
      assertThat(raw.closedByServer()).isTrue();
    }
  }

  @Test
  void truncatedBodyWithClientGoneDoesNotBreakTheServer() throws Exception {
    try (RawHttp raw = new RawHttp(gw.port())) {
      raw.write("POST /v3/kv/put HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"key\":");
    }
    assertThat(gw.post("/v3/kv/range", "{\"key\":\"Zm9v\"}").statusCode()).isEqualTo(200);
  }
}
