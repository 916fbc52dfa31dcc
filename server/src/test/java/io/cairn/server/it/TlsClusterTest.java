package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.serverpb.MembersRequest;
import io.cairn.proto.serverpb.PeerGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContextBuilder;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A three-member cluster secured as etcd's docs recommend: mutual TLS between peers
 * (--peer-client-cert-auth) and for clients (--client-cert-auth), certificates from a throwaway CA.
 * Driven by the real etcdctl, a Java HTTPS client on the gateway, and raw TLS handshakes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsClusterTest {
  @TempDir
  static Path dir;
  TestCa ca;
  TestCa otherCa;
  TestCa.Issued alice;
  TestCa.Issued revoked;
  TestCa.Issued stranger;
  List<Member> members = new ArrayList<>();

  @BeforeAll
  void startCluster() throws Exception {
    ca = new TestCa(dir.resolve("ca"), "cairn-test-ca");
    otherCa = new TestCa(dir.resolve("other-ca"), "someone-else");
    alice = ca.issue("alice");
    revoked = ca.issue("mallory");
    stranger = otherCa.issue("alice");
    for (int i = 1; i <= 3; i++) {
      ca.issue("m" + i);
      ca.issue("m" + i + "-peer");
    }
    Path crl = ca.crl(dir.resolve("ca").resolve("crl.pem"), revoked);
    members = Member.cairnCluster(dir, 3, "https", "https", i -> {
      String m = "m" + (i + 1);
      List<String> flags = new ArrayList<>(List.of(
          "--cert-file", file(m + ".pem"), "--key-file", file(m + "-key.pem"),
          "--trusted-ca-file", ca.certFile.toString(), "--client-cert-auth",
          "--peer-cert-file", file(m + "-peer.pem"), "--peer-key-file", file(m + "-peer-key.pem"),
          "--peer-trusted-ca-file", ca.certFile.toString(), "--peer-client-cert-auth"));
      if (i == 2) {
        flags.addAll(List.of("--client-crl-file", crl.toString()));
      }
      return flags;
    });
    Etcdctl.Result[] last = new Etcdctl.Result[1];
    try {
      Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> (last[0] = run(members.get(0), alice, "put", "ready", "yes")).exit() == 0);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("the TLS cluster never took a write; last etcdctl: " + last[0] + "\nm1 log:\n"
          + members.get(0).logText(), e);
    }
  }

  @AfterAll
  void stopCluster() throws Exception {
    for (Member m : members) {
      m.close();
    }
  }

  private String file(String name) {
    return ca.dir.resolve(name).toString();
  }

  /** etcdctl on {@code m}'s https URL trusting our CA, presenting {@code who} (null: no certificate). */
  private Etcdctl.Result run(Member m, TestCa.Issued who, String... args) {
    return run(m.url(), who, args);
  }

  private Etcdctl.Result run(String url, TestCa.Issued who, String... args) {
    List<String> all = new ArrayList<>(List.of("--cacert=" + ca.certFile, "--dial-timeout=2s", "--command-timeout=5s"));
    if (who != null) {
      all.addAll(List.of("--cert=" + who.cert(), "--key=" + who.key()));
    }
    all.addAll(List.of(args));
    return new Etcdctl(url).run(all.toArray(new String[0]));
  }

  @Test
  void everyMemberServesEtcdctlOverMutualTlsAndReplicatesOverPeerTls() {
    for (int i = 0; i < 3; i++) {
      run(members.get(i), alice, "put", "k", "via-m" + (i + 1)).ok();
      for (Member m : members) {
        // a linearizable read on a follower asks the leader over the peer link: peer TLS works both ways
        assertThat(run(m, alice, "get", "k", "--print-value-only").ok().out()).isEqualTo("via-m" + (i + 1) + "\n");
      }
    }
  }

  @Test
  void theJsonGatewayServesHttpsOnTheSamePort() throws Exception {
    run(members.get(1), alice, "put", "gw", "over-https").ok();
    HttpClient http = HttpClient.newBuilder().sslContext(ca.clientContext(alice))
        .connectTimeout(Duration.ofSeconds(5)).build();
    String key = Base64.getEncoder().encodeToString("gw".getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(members.get(2).url() + "/v3/kv/range"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + key + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains(Base64.getEncoder().encodeToString("over-https".getBytes(StandardCharsets.UTF_8)));
    // the gateway's port is the client port: a client certificate is required there too
    HttpClient anonymous = HttpClient.newBuilder().sslContext(ca.clientContext(null)).build();
    assertThatThrownBy(() -> anonymous.send(HttpRequest.newBuilder(URI.create(members.get(2).url() + "/health")).build(),
        HttpResponse.BodyHandlers.ofString())).isInstanceOf(java.io.IOException.class);
  }

  @Test
  void clientPortRefusesNoCertificateAForeignCaPlainTextAndARevokedCertificate() {
    Member m3 = members.get(2);
    assertThat(run(m3, alice, "get", "ready", "--print-value-only").ok().out()).isEqualTo("yes\n");
    assertThat(run(m3, null, "get", "ready").exit()).isNotZero();
    assertThat(run(m3, stranger, "get", "ready").exit()).isNotZero();
    assertThat(new Etcdctl("http://" + m3.endpoint()).run("--dial-timeout=2s", "get", "ready").exit()).isNotZero();
    // m3 alone was given the revocation list
    assertThat(run(m3, revoked, "get", "ready").exit()).isNotZero();
    assertThat(run(members.get(0), revoked, "get", "ready", "--print-value-only").ok().out()).isEqualTo("yes\n");
  }

  @Test
  void peerPortRefusesNoCertificateAForeignCaAndPlainText() throws Exception {
    Member m1 = members.get(0);
    assertThat(peerMembers(m1, alice, ca.cert)).isGreaterThanOrEqualTo(3); // 4 while another test adds m4
    assertThatThrownBy(() -> peerMembers(m1, null, ca.cert)).isInstanceOf(StatusRuntimeException.class);
    assertThatThrownBy(() -> peerMembers(m1, stranger, ca.cert)).isInstanceOf(StatusRuntimeException.class);
    ManagedChannel plain = NettyChannelBuilder.forAddress("127.0.0.1", m1.peerPort).usePlaintext().build();
    try {
      assertThatThrownBy(() -> PeerGrpc.newBlockingStub(plain).withDeadlineAfter(3, TimeUnit.SECONDS)
          .members(MembersRequest.getDefaultInstance())).isInstanceOf(StatusRuntimeException.class);
    } finally {
      plain.shutdownNow();
    }
  }

  @Test
  void certificatesReplacedOnDiskAreServedToTheNextConnection() throws Exception {
    Member m1 = members.get(0);
    SSLContext tls = ca.clientContext(alice);
    BigInteger before = serverSerial(m1.clientPort, tls);
    TestCa.Issued next = ca.issue("m1");
    assertThat(next.serial()).isNotEqualTo(before);
    assertThat(serverSerial(m1.clientPort, tls)).isEqualTo(next.serial());
    assertThat(run(m1, alice, "get", "ready", "--print-value-only").ok().out()).isEqualTo("yes\n");

    BigInteger peerBefore = serverSerial(m1.peerPort, tls);
    TestCa.Issued nextPeer = ca.issue("m1-peer");
    assertThat(serverSerial(m1.peerPort, tls)).isNotEqualTo(peerBefore).isEqualTo(nextPeer.serial());
    // and the members still talk: m1 dials its peers presenting the new certificate from now on
    run(members.get(1), alice, "put", "after-rotation", "ok").ok();
    assertThat(run(m1, alice, "get", "after-rotation", "--print-value-only").ok().out()).isEqualTo("ok\n");
  }

  @Test
  void aMemberConfiguredOnlyThroughEtcdVariablesJoinsOverPeerTls() throws Exception {
    int peerPort = Ports.free();
    int clientPort = Ports.free();
    String add = run(members.get(0), alice, "member", "add", "m4", "--peer-urls=https://127.0.0.1:" + peerPort).ok().out();
    Map<String, String> env = new HashMap<>();
    Matcher m = Pattern.compile("(ETCD_[A-Z_]+)=\"([^\"]*)\"").matcher(add);
    while (m.find()) {
      env.put(m.group(1), m.group(2));
    }
    ca.issue("m4");
    env.putAll(Map.of("ETCD_LISTEN_PEER_URLS", "https://127.0.0.1:" + peerPort,
        "ETCD_LISTEN_CLIENT_URLS", "https://127.0.0.1:" + clientPort,
        "ETCD_ADVERTISE_CLIENT_URLS", "https://127.0.0.1:" + clientPort,
        "ETCD_DATA_DIR", dir.resolve("m4").toString(),
        "ETCD_CERT_FILE", file("m4.pem"), "ETCD_KEY_FILE", file("m4-key.pem"),
        "ETCD_TRUSTED_CA_FILE", ca.certFile.toString(), "ETCD_CLIENT_CERT_AUTH", "true",
        "ETCD_PEER_CERT_FILE", file("m4.pem"), "ETCD_PEER_KEY_FILE", file("m4-key.pem")));
    env.putAll(Map.of("ETCD_PEER_TRUSTED_CA_FILE", ca.certFile.toString(), "ETCD_PEER_CLIENT_CERT_AUTH", "true"));
    Matcher id = Pattern.compile("Member\\s+([0-9a-f]+) added").matcher(add);
    assertThat(id.find()).as(add).isTrue();
    // no ETCD_INITIAL_CLUSTER_TOKEN, as `member add` prints none: the new member learns its own and its
    // peers' ids from the others over peer TLS (ClusterJoin), then replicates over it
    try (Member m4 = Member.cairnWithEnvOnly(dir, env, clientPort, peerPort)) {
      String url = "https://127.0.0.1:" + clientPort;
      Etcdctl.Result[] last = new Etcdctl.Result[1];
      try {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
            .until(() -> (last[0] = run(url, alice, "get", "ready", "--print-value-only")).out().equals("yes\n"));
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("m4 never served; last etcdctl: " + last[0] + "\nm4 status: "
            + run(url, alice, "endpoint", "status", "-w", "json") + "\nm4 log:\n" + m4.logText(), e);
      }
      run(members.get(0), alice, "member", "remove", id.group(1)).ok();
    }
  }

  /** Asks a member's peer port for the membership, over TLS presenting {@code who}. */
  private static int peerMembers(Member m, TestCa.Issued who, X509Certificate trusted) throws Exception {
    SslContextBuilder b = GrpcSslContexts.forClient().trustManager(trusted);
    if (who != null) {
      b.keyManager(who.keys().getPrivate(), who.certificate());
    }
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", m.peerPort).sslContext(b.build()).build();
    try {
      return PeerGrpc.newBlockingStub(ch).withDeadlineAfter(3, TimeUnit.SECONDS)
          .members(MembersRequest.getDefaultInstance()).getMembersCount();
    } finally {
      ch.shutdownNow();
    }
  }

  /** The serial number of the certificate a fresh TLS connection to {@code port} is served. */
  static BigInteger serverSerial(int port, SSLContext tls) throws Exception {
    try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      s.startHandshake();
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }
}
