package io.cairn.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AccessControlTest {
  private static TestGateway gw;

  @BeforeAll
  static void start() throws Exception {
    gw =
        new TestGateway(
            GatewayOptions.builder()
                .corsOrigins(Set.of("http://good.example"))
                .hostWhitelist(Set.of("127.0.0.1", "localhost"))
                .build(),
            new FakeEndpoints());
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  private RawHttp.Response get(String path, String host, String origin) throws Exception {
    try (RawHttp raw = new RawHttp(gw.port())) {
      raw.write(
          "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n"
              + (origin == null ? "" : "Origin: " + origin + "\r\n")
              + "Connection: close\r\n\r\n");
      return raw.readResponse();
    }
  }

  @Test
  void hostNotWhitelistedIs421WithTheDnsRebindingExplanation() throws Exception {
    RawHttp.Response r = get("/health", "evil.example:2379", null);
    assertThat(r.status()).isEqualTo(421);
    assertThat(r.body())
        .contains("etcd received your request, but the Host header was unrecognized.")
        .contains("etcd --host-whitelist \"evil.example\"")
        .contains("CVE-2018-5702");
    assertThat(r.headers()).doesNotContainKey("access-control-allow-origin");
  }

  @Test
  void whitelistedHostsPassWithOrWithoutPort() throws Exception {
    assertThat(get("/health", "127.0.0.1:" + gw.port(), null).status()).isEqualTo(200);
    assertThat(get("/health", "localhost", null).status()).isEqualTo(200);
  }

  @Test
  void corsOnlyForAllowedOrigins() throws Exception {
    RawHttp.Response good = get("/health", "localhost", "http://good.example");
    assertThat(good.headers()).containsEntry("access-control-allow-origin", "http://good.example");
    RawHttp.Response bad = get("/health", "localhost", "http://bad.example");
    assertThat(bad.status()).isEqualTo(200);
    assertThat(bad.headers()).doesNotContainKey("access-control-allow-origin");
  }

  @Test
  void hostParsing() {
    assertThat(HostHeader.hostname("example.com:2379")).isEqualTo("example.com");
    assertThat(HostHeader.hostname("[::1]:2379")).isEqualTo("::1");
    assertThat(HostHeader.hostname("example.com")).isEqualTo("example.com");
    assertThat(HostHeader.hostname(null)).isEmpty();
  }
}
