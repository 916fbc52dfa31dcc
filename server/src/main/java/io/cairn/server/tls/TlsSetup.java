package io.cairn.server.tls;

import io.cairn.server.config.ServerConfig;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member's TLS, decided once at start from etcd's flags: --auto-tls certificates generated,
 * https URLs without a certificate refused (with etcd's messages), and the SSL contexts for the
 * client port, the peer port and dialing peers built, so that bad files stop the start.
 */
public final class TlsSetup {
  private static final Logger LOG = LoggerFactory.getLogger(TlsSetup.class);

  private final SslContext clientPort;
  private final SslContext peerServer;
  private final TlsInfo peer;
  private final TlsOptions options;
  private volatile SslContext peerClient;

  private TlsSetup(SslContext clientPort, SslContext peerServer, TlsInfo peer, TlsOptions options, SslContext peerClient) {
    this.clientPort = clientPort;
    this.peerServer = peerServer;
    this.peer = peer;
    this.options = options;
    this.peerClient = peerClient;
  }

  public static TlsSetup from(ServerConfig cfg) throws IOException {
    TlsOptions options = TlsOptions.parse(cfg.cipherSuites, cfg.tlsMinVersion, cfg.tlsMaxVersion);
    List<URI> clientUrls = new ArrayList<>(cfg.listenClientUrls);
    clientUrls.addAll(cfg.listenClientHttpUrls);
    TlsInfo peer = selfSigned(cfg.peerTls, cfg.dataDir.resolve("fixtures").resolve("peer"), cfg.listenPeerUrls, "peer");
    TlsInfo client = selfSigned(cfg.clientTls, cfg.dataDir.resolve("fixtures").resolve("client"), clientUrls, "client");

    for (URI u : cfg.listenPeerUrls) {
      if (u.getScheme().equals("https") && peer.empty()) {
        throw new TlsException("cannot listen on TLS for " + u.getHost() + ":" + u.getPort()
            + ": KeyFile and CertFile are not presented");
      }
      warnPlain(u, peer, "peer-url");
    }
    for (URI u : clientUrls) {
      if (u.getScheme().equals("https") && client.empty()) {
        throw new TlsException("TLS key/cert (--cert-file, --key-file) must be provided for client url " + u
            + " with HTTPS scheme");
      }
      warnPlain(u, client, "client-url");
    }
    for (URI u : cfg.listenMetricsUrls) {
      if (u.getScheme().equals("https") && client.empty()) {
        throw new TlsException("TLS key/cert (--cert-file, --key-file) must be provided for metrics url " + u
            + " with HTTPS scheme");
      }
    }
    if (anyHttps(cfg.listenPeerUrls) && cfg.listenPeerUrls.stream().anyMatch(u -> u.getScheme().equals("http"))) {
      // one peer server serves every peer URL; etcd allows the mix, cairn does not yet
      throw new TlsException("--listen-peer-urls mixes http and https, which cairn does not support yet");
    }
    boolean clientHttps = anyHttps(clientUrls) || anyHttps(cfg.listenMetricsUrls);
    SslContext clientPort = clientHttps ? TlsContexts.clientPort(client, options) : null;
    SslContext peerServer = anyHttps(cfg.listenPeerUrls) ? TlsContexts.peerServer(peer, options) : null;
    SslContext peerClient = peer.empty() ? null : TlsContexts.peerClient(peer, options);
    return new TlsSetup(clientPort, peerServer, peer, options, peerClient);
  }

  /** The context for https client, client-http and metrics URLs; null when none is https. */
  public SslContext clientPort() {
    return clientPort;
  }

  /** The context for https peer URLs; null when none is https. */
  public SslContext peerServer() {
    return peerServer;
  }

  /** For dialing https peers; without peer certificates of our own, one that only verifies theirs. */
  public SslContext peerClient() throws IOException {
    SslContext c = peerClient;
    if (c == null) {
      synchronized (this) {
        if (peerClient == null) {
          peerClient = TlsContexts.peerClient(peer, options);
        }
        c = peerClient;
      }
    }
    return c;
  }

  private static TlsInfo selfSigned(TlsInfo info, java.nio.file.Path dir, List<URI> urls, String side)
      throws IOException {
    if (!info.autoTls()) {
      return info;
    }
    if (!info.empty()) {
      LOG.warn("ignoring {} auto TLS since certs given", side);
      return new TlsInfo(info.certFile(), info.keyFile(), info.trustedCaFile(), info.clientCertAuth(),
          info.crlFile(), info.allowedCn(), info.allowedHostname(), false);
    }
    List<String> hosts = urls.stream().map(URI::getHost).distinct().toList();
    java.nio.file.Path[] files = SelfSignedCert.ensure(dir, hosts);
    LOG.info("{} TLS: serving the self-signed certificate {}", side, files[0]);
    return info.withSelfSigned(files[0].toString(), files[1].toString());
  }

  private static void warnPlain(URI u, TlsInfo info, String what) {
    if (u.getScheme().equals("http") && !info.empty() && !info.autoTls()) {
      LOG.warn("scheme is HTTP while key and certificate files are present; ignoring key and certificate files ({} {})",
          what, u);
    }
  }

  private static boolean anyHttps(List<URI> urls) {
    return urls.stream().anyMatch(u -> u.getScheme().equals("https"));
  }
}
