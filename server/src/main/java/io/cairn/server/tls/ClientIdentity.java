package io.cairn.server.tls;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who a gRPC client is by its TLS certificate. etcd, with --client-cert-auth and auth enabled,
 * takes the verified client certificate's CommonName as the user name; this interceptor makes that
 * CN available to request handling as {@link #COMMON_NAME} in the call's {@link Context}:
 * {@code String cn = ClientIdentity.COMMON_NAME.get();} (null: no TLS, no client certificate, or
 * a certificate without a CN). A certificate is only there once the handshake verified it against
 * --trusted-ca-file (and the CRL and allowed-name checks), so the CN can be trusted as is.
 *
 * <p>Only direct gRPC connections carry one: the JSON gateway reaches the services in-process, and
 * etcd too ignores client certificates on the gateway for authentication.
 */
public final class ClientIdentity implements ServerInterceptor {
  /** The verified client certificate's CommonName for the current call, or null. */
  public static final Context.Key<String> COMMON_NAME = Context.key("cairn-client-cert-cn");

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String cn = commonName(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    if (cn == null) {
      return next.startCall(call, headers);
    }
    return Contexts.interceptCall(Context.current().withValue(COMMON_NAME, cn), call, headers, next);
  }

  static String commonName(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      Certificate[] peer = session.getPeerCertificates();
      if (peer.length == 0 || !(peer[0] instanceof X509Certificate leaf)) {
        return null;
      }
      String cn = CertNames.commonName(leaf);
      return cn.isEmpty() ? null : cn;
    } catch (SSLPeerUnverifiedException e) {
      return null; // no client certificate was asked for or given
    }
  }
}
