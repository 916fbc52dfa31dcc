package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --client-cert-auth with auth on: a verified client certificate's CN is the user when no token is given (etcd's
 * AuthInfoFromTLS), a token wins over the certificate, an unknown CN has no permissions, and the JSON gateway does
 * not take the certificate's name (as etcd).
 */
class AuthClientCertTest {
  @TempDir
  Path dir;

  @Test
  void certificateCommonNameIsTheUser() throws Exception {
    TestCa ca = new TestCa(dir.resolve("ca"), "auth-ca");
    TestCa.Issued server = ca.issue("server");
    TestCa.Issued rootCert = ca.issue("root");
    TestCa.Issued alice = ca.issue("alice");
    TestCa.Issued bob = ca.issue("bob");
    try (Member m = Member.cairnCluster(dir, 1, "https", "http", i -> List.of("--cert-file", server.cert().toString(),
        "--key-file", server.key().toString(), "--trusted-ca-file", ca.certFile.toString(), "--client-cert-auth"))
        .get(0)) {
      run(m, ca, rootCert, "put", "secret", "s").ok();
      run(m, ca, rootCert, "user", "add", "root", "--no-password").ok();
      run(m, ca, rootCert, "role", "add", "root").ok();
      run(m, ca, rootCert, "user", "grant-role", "root", "root").ok();
      run(m, ca, rootCert, "user", "add", "alice", "--no-password").ok();
      run(m, ca, rootCert, "user", "add", "carol:cpw").ok();
      run(m, ca, rootCert, "role", "add", "ra").ok();
      run(m, ca, rootCert, "role", "grant-permission", "ra", "readwrite", "a/", "--prefix").ok();
      run(m, ca, rootCert, "user", "grant-role", "alice", "ra").ok();
      run(m, ca, rootCert, "auth", "enable").ok();

      // root by certificate: admin calls work without a password
      assertThat(run(m, ca, rootCert, "user", "list").ok().out()).isEqualTo("alice\ncarol\nroot\n");
      run(m, ca, alice, "put", "a/1", "one").ok();
      assertThat(run(m, ca, alice, "get", "a/1", "--print-value-only").ok().out()).isEqualTo("one\n");
      assertThat(run(m, ca, alice, "get", "secret").err()).contains("etcdserver: permission denied");
      assertThat(run(m, ca, bob, "get", "a/1").err()).as("no such user").contains("etcdserver: permission denied");
      assertThat(run(m, ca, alice, "user", "list").err()).contains("etcdserver: permission denied");
      // a token names the user, whatever the certificate says
      assertThat(run(m, ca, alice, "--user", "carol:cpw", "get", "a/1").err())
          .contains("etcdserver: permission denied");
      // a no-password user cannot log in with a password
      assertThat(run(m, ca, alice, "--user", "alice:x", "get", "a/1").err())
          .contains("password was given for no password user");

      HttpClient http = HttpClient.newBuilder().sslContext(ca.clientContext(alice)).build();
      HttpResponse<String> gw = http.send(HttpRequest.newBuilder(URI.create(m.url() + "/v3/kv/range"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"YS8x\"}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(gw.statusCode()).as("the gateway takes no name from the certificate").isEqualTo(400);
      assertThat(gw.body()).contains("etcdserver: user name is empty");
    }
  }

  private static Etcdctl.Result run(Member m, TestCa ca, TestCa.Issued who, String... args) {
    List<String> all = new ArrayList<>(List.of("--cacert=" + ca.certFile, "--cert=" + who.cert(),
        "--key=" + who.key()));
    all.addAll(List.of(args));
    return new Etcdctl(m.url()).run(all.toArray(new String[0]));
  }
}
