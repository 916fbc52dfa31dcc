package io.cairn.server.tls;

import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Netty SSL contexts built from etcd's TLS flags, on the JDK's TLS (no native library). Keys come
 * from a {@link ReloadingKeyManager}, so a context lives as long as the listener while rotated
 * certificates still reach new connections; the trusted CA is read once at start, as etcd does.
 */
final class TlsContexts {
  private TlsContexts() {}

  /**
   * The client port: gRPC and the HTTP gateway share it. Over ALPN the server's order decides, so
   * a client that offers HTTP/1.1 (curl, browsers, Java's HttpClient) gets the gateway and one that
   * offers only h2 (every gRPC client) gets gRPC; without ALPN the first bytes decide, as in plain text.
   */
  static SslContext clientPort(TlsInfo info, TlsOptions opts) throws IOException {
    SslContextBuilder b = SslContextBuilder.forServer(keys(info)).sslProvider(SslProvider.JDK)
        .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_1_1, ApplicationProtocolNames.HTTP_2));
    return serverSide(b, info, opts);
  }

  /** The peer port: gRPC only (ALPN h2). */
  static SslContext peerServer(TlsInfo info, TlsOptions opts) throws IOException {
    SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forServer(keys(info)), SslProvider.JDK);
    return serverSide(b, info, opts);
  }

  /**
   * Dialing peers: presents this member's peer certificate and verifies theirs (host name included)
   * by --peer-trusted-ca-file, or by the system's CAs without one. Self-signed peer certificates
   * (--peer-auto-tls) cannot be verified, so etcd skips verification then; so does this.
   */
  static SslContext peerClient(TlsInfo info, TlsOptions opts) throws IOException {
    SslContextBuilder b = GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK);
    if (!info.empty()) {
      b.keyManager(keys(info));
    }
    X509ExtendedTrustManager chain = info.autoTls() ? new AcceptAny() : chainTrust(info);
    b.trustManager(new VerifyingTrustManager(chain, info));
    if (info.autoTls()) {
      b.endpointIdentificationAlgorithm(null);
    }
    return options(b, opts);
  }

  private static SslContext serverSide(SslContextBuilder b, TlsInfo info, TlsOptions opts) throws IOException {
    if (info.requiresClientCert()) {
      b.clientAuth(ClientAuth.REQUIRE).trustManager(new VerifyingTrustManager(chainTrust(info), info));
    }
    return options(b, opts);
  }

  private static SslContext options(SslContextBuilder b, TlsOptions opts) throws IOException {
    b.protocols(opts.protocols());
    if (!opts.javaCipherSuites().isEmpty()) {
      b.ciphers(opts.javaCipherSuites(), SupportedCipherSuiteFilter.INSTANCE);
    }
    try {
      return b.build();
    } catch (javax.net.ssl.SSLException e) {
      throw new TlsException("cannot set up TLS: " + e.getMessage(), e);
    }
  }

  private static ReloadingKeyManager keys(TlsInfo info) throws IOException {
    if (info.certFile().isEmpty() || info.keyFile().isEmpty()) {
      throw new TlsException("KeyFile and CertFile must both be present[key: " + info.keyFile()
          + ", cert: " + info.certFile() + "]");
    }
    return new ReloadingKeyManager(Path.of(info.certFile()), Path.of(info.keyFile()));
  }

  /** The trusted CA file's certificates, or the system's CAs when none is given (as Go does). */
  static X509ExtendedTrustManager chainTrust(TlsInfo info) throws IOException {
    try {
      KeyStore ks = null;
      if (!info.trustedCaFile().isEmpty()) {
        ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        List<X509Certificate> cas = PemFiles.certificates(Path.of(info.trustedCaFile()));
        for (int i = 0; i < cas.size(); i++) {
          ks.setCertificateEntry("ca-" + i, cas.get(i));
        }
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      for (TrustManager tm : tmf.getTrustManagers()) {
        if (tm instanceof X509ExtendedTrustManager x) {
          return x;
        }
      }
      throw new TlsException("no X.509 trust manager in this JDK");
    } catch (GeneralSecurityException e) {
      throw new TlsException("cannot load " + info.trustedCaFile() + ": " + e.getMessage(), e);
    }
  }

  /** Trusts any chain: only for self-signed (auto-tls) peers, as etcd's InsecureSkipVerify. */
  private static final class AcceptAny extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] c, String a, Socket s) { }

    @Override
    public void checkServerTrusted(X509Certificate[] c, String a, Socket s) { }

    @Override
    public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) { }

    @Override
    public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) { }

    @Override
    public void checkClientTrusted(X509Certificate[] c, String a) { }

    @Override
    public void checkServerTrusted(X509Certificate[] c, String a) { }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
