package io.cairn.server.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Date;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * etcd's JWT tokens: claims {@code username}, {@code revision} and {@code exp}, signed with the configured method.
 * Nothing is kept per token, so they need no raft entry to be known to every member; but they carry the auth revision
 * they were made at, so any later auth change makes them stale ("revision of auth store is old").
 */
final class JwtTokens implements TokenProvider {
  private static final Set<String> RSA = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512");
  private static final Set<String> EC = Set.of("ES256", "ES384", "ES512");
  private static final Set<String> HMAC = Set.of("HS256", "HS384", "HS512");

  private final JWSAlgorithm alg;
  private final JWSSigner signer; // null: verify only (only a public key was given)
  private final JWSVerifier verifier;
  private final long ttlMillis;
  private final LongSupplier nowMillis;

  JwtTokens(JwtOptions o, LongSupplier nowMillis) throws JOSEException {
    this.alg = JWSAlgorithm.parse(o.signMethod());
    this.ttlMillis = o.ttlMillis();
    this.nowMillis = nowMillis;
    String m = o.signMethod();
    if (RSA.contains(m)) {
      PublicKey pub = o.publicKey() != null ? o.publicKey() : JwtOptions.publicOf(o.privateKey());
      signer = o.privateKey() == null ? null : new RSASSASigner((RSAPrivateKey) o.privateKey());
      verifier = new RSASSAVerifier((RSAPublicKey) pub);
    } else if (EC.contains(m)) {
      PublicKey pub = o.publicKey() != null ? o.publicKey() : JwtOptions.publicOf(o.privateKey());
      signer = o.privateKey() == null ? null : new ECDSASigner((ECPrivateKey) o.privateKey());
      verifier = new ECDSAVerifier((ECPublicKey) pub);
    } else if (HMAC.contains(m)) {
      signer = new MACSigner(o.secret());
      verifier = new MACVerifier(o.secret());
    } else {
      throw new IllegalArgumentException("auth: invalid auth signature method");
    }
  }

  @Override
  public String assign(String user, long revision, String prefix, long index) {
    if (signer == null) {
      throw new IllegalStateException("auth: token signing attempted with verify-only key");
    }
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .claim("username", user)
        .claim("revision", revision)
        .expirationTime(new Date(nowMillis.getAsLong() + ttlMillis))
        .build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(alg), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("auth: signing a JWT failed: " + e.getMessage(), e);
    }
    return jwt.serialize();
  }

  @Override
  public AuthInfo info(String token, long currentRevision) {
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      if (!alg.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier)) {
        return null;
      }
      JWTClaimsSet c = jwt.getJWTClaimsSet();
      Date exp = c.getExpirationTime();
      if (exp != null && exp.getTime() <= nowMillis.getAsLong()) {
        return null;
      }
      Object user = c.getClaim("username");
      Object rev = c.getClaim("revision");
      if (!(user instanceof String u) || !(rev instanceof Number r)) {
        return null;
      }
      return new AuthInfo(u, r.longValue());
    } catch (java.text.ParseException | JOSEException | RuntimeException e) {
      return null; // malformed: the caller answers "invalid auth token"
    }
  }

  @Override
  public String newPrefix() {
    return "";
  }

  @Override
  public void invalidateUser(String user) {
    // self-contained tokens cannot be recalled; a password change or delete raises the revision, which stales them
  }

  @Override
  public void setEnabled(boolean enabled) {}
}
