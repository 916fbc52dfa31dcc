package io.cairn.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JwtTokensTest {
  @TempDir
  Path dir;
  private final AtomicLong now = new AtomicLong(1_700_000_000_000L);

  static void writePem(Path file, Object o) throws Exception {
    StringWriter sw = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
      w.writeObject(o);
    }
    Files.writeString(file, sw.toString());
  }

  private JwtTokens provider(String alg, KeyPair kp, boolean withPrivate, boolean withPublic) throws Exception {
    Path priv = dir.resolve(alg + ".key");
    Path pub = dir.resolve(alg + ".pub");
    writePem(priv, new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(kp.getPrivate(), null)); // "PRIVATE KEY"
    writePem(pub, kp.getPublic());
    String spec = "jwt,sign-method=" + alg + ",ttl=2m" + (withPrivate ? ",priv-key=" + priv : "")
        + (withPublic ? ",pub-key=" + pub : "");
    return new JwtTokens(JwtOptions.parse(spec), now::get);
  }

  static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  static KeyPair ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  @Test
  void rsaTokenCarriesUserAndRevisionUntilItExpires() throws Exception {
    JwtTokens t = provider("RS256", rsa(), true, true);
    String token = t.assign("alice", 7, "", 1);
    assertThat(token.split("\\.")).hasSize(3);
    assertThat(t.info(token, 99)).as("a JWT keeps the revision it was made at").isEqualTo(new AuthInfo("alice", 7));
    now.addAndGet(119_000);
    assertThat(t.info(token, 7)).isNotNull();
    now.addAndGet(2_000);
    assertThat(t.info(token, 7)).as("past exp").isNull();
  }

  @Test
  void ecAndPssKeysWorkAndThePublicKeyIsDerivedWhenOmitted() throws Exception {
    JwtTokens es = provider("ES256", ec(), true, false);
    assertThat(es.info(es.assign("bob", 3, "", 1), 3)).isEqualTo(new AuthInfo("bob", 3));
    JwtTokens ps = provider("PS384", rsa(), true, false);
    assertThat(ps.info(ps.assign("carol", 4, "", 1), 4)).isEqualTo(new AuthInfo("carol", 4));
  }

  @Test
  void tamperedForeignAndMalformedTokensAreRejected() throws Exception {
    KeyPair kp = rsa();
    JwtTokens t = provider("RS256", kp, true, true);
    String token = t.assign("alice", 7, "", 1);
    String[] parts = token.split("\\.");
    String forged = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding()
        .encodeToString("{\"username\":\"root\",\"revision\":7,\"exp\":9999999999}".getBytes()) + "." + parts[2];
    assertThat(t.info(forged, 7)).isNull();
    JwtTokens other = provider("RS512", rsa(), true, true);
    assertThat(t.info(other.assign("alice", 7, "", 1), 7)).as("another key and method").isNull();
    for (String bad : new String[] {"", "x", "a.b.c", "..", token + "x", "abcdefghijklmnop.12"}) {
      assertThat(t.info(bad, 7)).as(bad).isNull();
    }
  }

  @Test
  void verifyOnlyProviderChecksButCannotSign() throws Exception {
    KeyPair kp = rsa();
    JwtTokens signer = provider("RS256", kp, true, true);
    JwtTokens verifier = provider("RS256", kp, false, true);
    assertThat(verifier.info(signer.assign("alice", 2, "", 1), 2)).isEqualTo(new AuthInfo("alice", 2));
    assertThatThrownBy(() -> verifier.assign("alice", 2, "", 1)).hasMessageContaining("verify-only");
  }

  @Test
  void missingKeysAreAFlagError() {
    assertThatThrownBy(() -> JwtOptions.parse("jwt,sign-method=RS256"))
        .isInstanceOf(io.cairn.server.config.FlagException.class).hasMessageContaining("missing key data");
  }
}
