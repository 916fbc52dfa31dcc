package io.cairn.server.auth;

import io.cairn.server.config.FlagException;
import io.cairn.server.config.GoDuration;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import java.util.HashMap;
import java.util.Map;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

/** {@code --auth-token jwt,pub-key=…,priv-key=…,sign-method=…,ttl=…} read into keys (PEM files, as etcd reads them). */
record JwtOptions(String signMethod, PublicKey publicKey, PrivateKey privateKey, byte[] secret, long ttlMillis) {

  /** The options after "jwt," as etcd's decomposeOpts splits them. */
  static JwtOptions parse(String spec) throws FlagException {
    Map<String, String> opts = new HashMap<>();
    String[] parts = spec.split(",");
    for (int i = 1; i < parts.length; i++) {
      String[] kv = parts[i].split("=", 2);
      if (kv.length != 2) {
        throw new FlagException("invalid auth token option: " + parts[i]);
      }
      opts.put(kv[0].trim(), kv[1].trim());
    }
    String method = opts.getOrDefault("sign-method", "");
    long ttl = opts.containsKey("ttl") ? GoDuration.parse("auth-token ttl", opts.get("ttl")).toMillis() : 300_000;
    try {
      PublicKey pub = opts.containsKey("pub-key") ? readPublic(Path.of(opts.get("pub-key"))) : null;
      boolean hmac = method.startsWith("HS");
      PrivateKey priv = !hmac && opts.containsKey("priv-key") ? readPrivate(Path.of(opts.get("priv-key"))) : null;
      byte[] secret = hmac && opts.containsKey("priv-key") ? Files.readAllBytes(Path.of(opts.get("priv-key"))) : null;
      if (pub == null && priv == null && secret == null) {
        throw new FlagException("auth: missing key data");
      }
      return new JwtOptions(method, pub, priv, secret, ttl);
    } catch (IOException e) {
      throw new FlagException("auth: cannot read JWT key: " + e.getMessage());
    }
  }

  private static Object pem(Path file) throws IOException {
    try (PEMParser p = new PEMParser(new StringReader(Files.readString(file)))) {
      Object o = p.readObject();
      if (o == null) {
        throw new IOException("no PEM object in " + file);
      }
      return o;
    }
  }

  static PrivateKey readPrivate(Path file) throws IOException {
    Object o = pem(file);
    JcaPEMKeyConverter c = new JcaPEMKeyConverter();
    if (o instanceof PEMKeyPair kp) {
      // "RSA/EC PRIVATE KEY" (what openssl genrsa / ecparam write); some SEC1 writers leave the public half out
      return kp.getPublicKeyInfo() == null ? c.getPrivateKey(kp.getPrivateKeyInfo()) : c.getKeyPair(kp).getPrivate();
    }
    if (o instanceof PrivateKeyInfo pki) {
      return c.getPrivateKey(pki);
    }
    throw new IOException("not a private key: " + file);
  }

  static PublicKey readPublic(Path file) throws IOException {
    Object o = pem(file);
    if (o instanceof SubjectPublicKeyInfo spki) {
      return new JcaPEMKeyConverter().getPublicKey(spki);
    }
    if (o instanceof org.bouncycastle.cert.X509CertificateHolder cert) {
      return new JcaPEMKeyConverter().getPublicKey(cert.getSubjectPublicKeyInfo());
    }
    throw new IOException("not a public key: " + file);
  }

  /** The public half of a private key (RSA from its CRT parameters, EC by recomputing the point). */
  static PublicKey publicOf(PrivateKey k) {
    try {
      if (k instanceof RSAPrivateCrtKey rsa) {
        return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(rsa.getModulus(),
            rsa.getPublicExponent()));
      }
      if (k instanceof ECPrivateKey ec) {
        var params = org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util.convertSpec(ec.getParams());
        var q = params.getG().multiply(ec.getS()).normalize();
        var spec = new org.bouncycastle.jce.spec.ECPublicKeySpec(q, params);
        return KeyFactory.getInstance("EC", new org.bouncycastle.jce.provider.BouncyCastleProvider())
            .generatePublic(spec);
      }
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot derive the public key: " + e.getMessage(), e);
    }
    throw new IllegalArgumentException("unsupported private key type " + k.getAlgorithm());
  }
}
