package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.serverpb.MembersRequest;
import io.cairn.proto.serverpb.PeerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --auto-tls / --peer-auto-tls, and the start-up refusals etcd has for TLS settings. */
class TlsStartTest {
  @TempDir
  Path dir;

  @Test
  void autoTlsAndPeerAutoTlsGenerateCertificatesAndServe() throws Exception {
    List<Member> ms = Member.cairnCluster(dir, 1, "https", "https", i -> List.of(), "--auto-tls", "--peer-auto-tls");
    try (Member m = ms.get(0)) {
      // etcdctl 3.4 needs --insecure-transport=false for TLS without a CA
      Etcdctl ctl = new Etcdctl(m.url());
      Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).pollInterval(java.time.Duration.ofMillis(200))
          .until(() -> ctl.run("--insecure-transport=false", "--insecure-skip-tls-verify", "put", "auto", "tls").exit() == 0);
      assertThat(ctl.run("--insecure-transport=false", "--insecure-skip-tls-verify", "get", "auto", "--print-value-only").ok().out()).isEqualTo("tls\n");
      // like etcd: self-signed pairs under <data-dir>/fixtures
      assertThat(m.dataDir.resolve("fixtures/client/cert.pem")).exists();
      assertThat(m.dataDir.resolve("fixtures/peer/key.pem")).exists();
      // without verification a TLS client is served; a plain-text one is not
      assertThat(new Etcdctl("http://" + m.endpoint()).run("--dial-timeout=2s", "get", "auto").exit()).isNotZero();
      ManagedChannel peer = NettyChannelBuilder.forAddress("127.0.0.1", m.peerPort)
          .sslContext(GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build()).build();
      try {
        assertThat(PeerGrpc.newBlockingStub(peer).withDeadlineAfter(5, TimeUnit.SECONDS)
            .members(MembersRequest.getDefaultInstance()).getMembersCount()).isEqualTo(1);
      } finally {
        peer.shutdownNow();
      }
    }
  }

  @Test
  void httpsUrlsWithoutACertificateAreRefusedWithEtcdsMessages() throws Exception {
    int port = Ports.free();
    for (String d : List.of("a", "b", "c")) {
      Files.createDirectories(dir.resolve(d));
    }
    assertThatThrownBy(() -> Member.cairn(dir.resolve("a"), "--listen-client-urls", "https://127.0.0.1:" + port))
        .hasMessageContaining("TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:"
            + port + " with HTTPS scheme");
    assertThatThrownBy(() -> Member.cairn(dir.resolve("b"), "--cipher-suites", "TLS_FAST_AND_LOOSE"))
        .hasMessageContaining("unexpected TLS cipher suite \\\"TLS_FAST_AND_LOOSE\\\""); // in the JSON fatal line
    assertThatThrownBy(() -> Member.cairn(dir.resolve("c"), "--tls-min-version", "TLS1.3", "--tls-max-version", "TLS1.2"))
        .hasMessageContaining("min version (TLS1.3) is greater than max version (TLS1.2)");
    assertThat(Files.exists(dir.resolve("a/cairn-data/member"))).isFalse();
  }
}
