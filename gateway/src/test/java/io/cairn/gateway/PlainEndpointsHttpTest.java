package io.cairn.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PlainEndpointsHttpTest {
  private static FakeEndpoints endpoints;
  private static TestGateway gw;

  @BeforeAll
  static void start() throws Exception {
    endpoints = new FakeEndpoints();
    gw = new TestGateway(GatewayOptions.defaults(), endpoints);
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  @BeforeEach
  void healthy() {
    endpoints.health.set(HttpEndpoints.HealthReport.ok());
    endpoints.serializableFailure.set(null);
  }

  @Test
  void health() throws Exception {
    // etcdhttp writes the JSON without a content type: Go sniffs it as text/plain
    HttpResponse<String> ok = gw.get("/health");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("{\"health\":\"true\",\"reason\":\"\"}");
    assertThat(ok.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");
    assertThat(ok.headers().firstValue("x-content-type-options")).isEmpty();

    // unhealthy goes through http.Error: a newline, nosniff
    endpoints.health.set(HttpEndpoints.HealthReport.failed("ALARM NOSPACE"));
    HttpResponse<String> bad = gw.get("/health?exclude=CORRUPT&exclude=NOSPACE&serializable=true");
    assertThat(bad.statusCode()).isEqualTo(503);
    assertThat(bad.body()).isEqualTo("{\"health\":\"false\",\"reason\":\"ALARM NOSPACE\"}\n");
    assertThat(bad.headers().firstValue("x-content-type-options")).hasValue("nosniff");
    assertThat(endpoints.lastSerializable).isTrue();
    assertThat(endpoints.lastExcluded).containsExactlyInAnyOrder("CORRUPT", "NOSPACE");

    HttpResponse<String> post = gw.post("/health", "");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.body()).isEqualTo("Method Not Allowed\n");
    assertThat(post.headers().firstValue("allow")).hasValue("GET");
  }

  @Test
  void livezAndReadyz() throws Exception {
    HttpResponse<String> ok = gw.get("/livez");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("ok\n");
    assertThat(ok.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");

    assertThat(gw.get("/readyz?verbose").body())
        .isEqualTo("[+]data_corruption ok\n[+]serializable_read ok\n[+]linearizable_read ok\n[+]non_learner ok\nok\n");

    endpoints.serializableFailure.set("etcdserver: no leader");
    HttpResponse<String> bad = gw.get("/readyz");
    assertThat(bad.statusCode()).isEqualTo(503);
    assertThat(bad.body())
        .isEqualTo("[+]data_corruption ok\n[-]serializable_read failed: etcdserver: no leader\n"
            + "[+]linearizable_read ok\n[+]non_learner ok\n\n");

    // excluded (and unknown) names print nothing
    HttpResponse<String> excluded = gw.get("/readyz?exclude=serializable_read&exclude=nope&verbose");
    assertThat(excluded.statusCode()).isEqualTo(200);
    assertThat(excluded.body()).isEqualTo("[+]data_corruption ok\n[+]linearizable_read ok\n[+]non_learner ok\nok\n");

    HttpResponse<String> single = gw.get("/livez/serializable_read");
    assertThat(single.statusCode()).isEqualTo(503);
    assertThat(single.body()).isEqualTo("[-]serializable_read failed: etcdserver: no leader\n\n");
    assertThat(gw.get("/readyz/linearizable_read").body()).isEqualTo("ok\n");
    assertThat(gw.get("/readyz/linearizable_read?verbose").body()).isEqualTo("[+]linearizable_read ok\nok\n");
    assertThat(gw.get("/readyz/nope").statusCode()).isEqualTo(404);
    assertThat(gw.post("/livez", "").statusCode()).isEqualTo(405);
  }

  @Test
  void versionAndMetrics() throws Exception {
    HttpResponse<String> v = gw.get("/version");
    assertThat(v.statusCode()).isEqualTo(200);
    assertThat(v.body()).isEqualTo("{\"etcdserver\":\"3.6.0\",\"etcdcluster\":\"3.6.0\",\"storage\":\"3.6.0\"}");
    assertThat(gw.post("/version", "").statusCode()).isEqualTo(405);

    HttpResponse<String> m = gw.get("/metrics");
    assertThat(m.statusCode()).isEqualTo(200);
    assertThat(m.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(m.body()).contains("etcd_server_has_leader 1");
  }

  @Test
  void plainEndpointsCarryCorsToo() throws Exception {
    HttpResponse<String> r =
        gw.send(HttpRequest.newBuilder(gw.uri("/health")).header("Origin", "http://example.com").GET());
    assertThat(r.headers().firstValue("access-control-allow-origin")).hasValue("*");
  }
}
