package io.cairn.server.it;

import static io.cairn.server.it.AuthClients.b;
import static io.cairn.server.it.AuthClients.refused;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.authpb.Permission;
import io.cairn.proto.etcdserverpb.AuthGrpc;
import io.cairn.proto.etcdserverpb.AuthRoleAddRequest;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.grpc.Status;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --auth-token jwt with a key pair made by the test: tokens are RS256 JWTs with etcd's claims; they carry the auth
 * revision, so an auth change makes them stale ("revision of auth store is old") until the client logs in again,
 * which etcdctl does by itself.
 */
class AuthJwtTest {
  @TempDir
  Path dir;

  static void pem(Path file, Object o) throws Exception {
    StringWriter sw = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
      w.writeObject(o);
    }
    Files.writeString(file, sw.toString());
  }

  @Test
  void jwtTokensWorkAndGoStaleOnAuthChanges() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair kp = g.generateKeyPair();
    Path priv = dir.resolve("jwt.key");
    Path pub = dir.resolve("jwt.pub");
    pem(priv, new JcaPKCS8Generator(kp.getPrivate(), null));
    pem(pub, kp.getPublic());
    try (Member m = Member.cairn(dir, "--auth-token",
        "jwt,pub-key=" + pub + ",priv-key=" + priv + ",sign-method=RS256,ttl=10m");
        AuthClients c = new AuthClients(m)) {
      String root = c.enableWithRoot("rootpw");
      c.user(root, "alice", "apw", "ra", Permission.Type.READWRITE, "a/", "a0");
      String alice = c.login("alice", "apw");
      String[] parts = alice.split("\\.");
      assertThat(parts).hasSize(3);
      String header = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
      String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
      assertThat(header).contains("\"alg\":\"RS256\"");
      assertThat(claims).contains("\"username\":\"alice\"").contains("\"revision\":").contains("\"exp\":");

      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(c.as(alice)).withDeadlineAfter(20, TimeUnit.SECONDS);
      kv.put(PutRequest.newBuilder().setKey(b("a/1")).setValue(b("one")).build());
      AuthGrpc.newBlockingStub(c.as(root)).roleAdd(AuthRoleAddRequest.newBuilder().setName("other").build());
      refused(() -> kv.put(PutRequest.newBuilder().setKey(b("a/2")).setValue(b("two")).build()),
          Status.Code.INVALID_ARGUMENT, "etcdserver: revision of auth store is old");
      refused(() -> kv.range(RangeRequest.newBuilder().setKey(b("a/1")).build()),
          Status.Code.INVALID_ARGUMENT, "etcdserver: revision of auth store is old");
      String fresh = c.login("alice", "apw");
      assertThat(KVGrpc.newBlockingStub(c.as(fresh)).range(RangeRequest.newBuilder().setKey(b("a/1")).build())
          .getKvs(0).getValue().toStringUtf8()).isEqualTo("one");

      String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
          claims.replace("alice", "root").getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
      refused(() -> KVGrpc.newBlockingStub(c.as(forged)).range(RangeRequest.newBuilder().setKey(b("a/1")).build()),
          Status.Code.UNAUTHENTICATED, "etcdserver: invalid auth token");

      Etcdctl ctl = new Etcdctl(m.endpoint());
      ctl.run("--user", "alice:apw", "put", "a/3", "three").ok();
      assertThat(ctl.run("--user", "alice:apw", "get", "a/3", "--print-value-only").ok().out()).isEqualTo("three\n");
      assertThat(ctl.run("--user", "alice:apw", "get", "b").err()).contains("etcdserver: permission denied");
    }
  }
}
