package io.cairn.server.auth;

import io.grpc.Context;

/** What a call presented: a token from its metadata and/or its verified client certificate's CN (either null). */
record Credentials(String token, String commonName) {
  static final Context.Key<Credentials> KEY = Context.key("cairn-auth-credentials");

  static Credentials current() {
    Credentials c = KEY.get();
    return c == null ? new Credentials(null, null) : c;
  }
}
