package io.cairn.server.auth;

import io.cairn.server.tls.ClientIdentity;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Puts a call's credentials in its Context: metadata {@code token}, else {@code authorization} (etcd looks in that
 * order; the gateway turns the Authorization header into both), and the client certificate's CN. Resolving them is
 * left to each service ({@link AuthStore#caller()}), at the point etcd resolves them, so Authenticate ignores a stale
 * token and a watch stream resolves its token at each create. Must run inside {@link ClientIdentity}.
 */
public final class AuthInterceptor implements ServerInterceptor {
  private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String token = headers.get(TOKEN);
    if (token == null) {
      token = headers.get(AUTHORIZATION);
    }
    String cn = ClientIdentity.COMMON_NAME.get();
    if (token == null && cn == null) {
      return next.startCall(call, headers);
    }
    Context ctx = Context.current().withValue(Credentials.KEY, new Credentials(token, cn));
    return Contexts.interceptCall(ctx, call, headers, next);
  }
}
