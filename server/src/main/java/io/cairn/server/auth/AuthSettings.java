package io.cairn.server.auth;

import io.cairn.server.config.FlagException;
import java.util.function.LongSupplier;

/** The auth flags: --auth-token (simple, or jwt with its options), --auth-token-ttl, --bcrypt-cost, --client-cert-auth. */
public record AuthSettings(TokenProvider tokens, int bcryptCost, boolean clientCertAuth) {

  /** Reads the flags; {@code nowMillis} is the one clock tokens expire by. */
  public static AuthSettings fromFlags(String authToken, long tokenTtlSeconds, int bcryptCost, boolean clientCertAuth,
      LongSupplier nowMillis) throws FlagException {
    String kind = authToken.split(",", 2)[0].trim();
    TokenProvider tokens;
    if (kind.equals("simple")) {
      tokens = new SimpleTokens(tokenTtlSeconds * 1000, nowMillis);
    } else if (kind.equals("jwt")) {
      try {
        tokens = new JwtTokens(JwtOptions.parse(authToken), nowMillis);
      } catch (com.nimbusds.jose.JOSEException | IllegalArgumentException | ClassCastException e) {
        throw new FlagException("failed to create JWT token provider: " + e.getMessage());
      }
    } else {
      throw new FlagException("auth: invalid auth options"); // etcd's words for an unknown token type
    }
    return new AuthSettings(tokens, bcryptCost, clientCertAuth);
  }
}
