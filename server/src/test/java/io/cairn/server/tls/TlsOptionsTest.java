package io.cairn.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TlsOptionsTest {
  @Test
  void goCipherSuiteNamesBecomeTheJdksAndTls13KeepsItsOwn() throws Exception {
    TlsOptions o = TlsOptions.parse("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "", "");
    assertThat(o.javaCipherSuites()).startsWith("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256").contains("TLS_AES_128_GCM_SHA256");
    assertThat(o.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
    assertThat(TlsOptions.parse("TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS1.2", "TLS1.2").javaCipherSuites())
        .containsExactly("TLS_RSA_WITH_AES_128_GCM_SHA256");
    assertThat(TlsOptions.parse("", "TLS1.3", "").protocols()).containsExactly("TLSv1.3");
  }

  @Test
  void badValuesGetEtcdsMessages() {
    assertThatThrownBy(() -> TlsOptions.parse("TLS_NOPE", "", "")).hasMessage("unexpected TLS cipher suite \"TLS_NOPE\"");
    assertThatThrownBy(() -> TlsOptions.parse("", "TLS1.1", ""))
        .hasMessage("unexpected TLS version \"TLS1.1\" (must be one of: TLS1.2, TLS1.3)");
    assertThatThrownBy(() -> TlsOptions.parse("", "TLS1.3", "TLS1.2"))
        .hasMessage("min version (TLS1.3) is greater than max version (TLS1.2)");
    assertThatThrownBy(() -> TlsOptions.parse("TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS1.3", ""))
        .hasMessage("cipher suites cannot be configured when only TLS1.3 is enabled");
  }
}
