package io.cairn.server.tls;

/**
 * One side's TLS settings as etcd's flags give them (etcd's {@code transport.TLSInfo}): the client
 * side from {@code --cert-file ...}, the peer side from {@code --peer-cert-file ...}. Empty strings
 * mean "not set".
 */
public record TlsInfo(String certFile, String keyFile, String trustedCaFile, boolean clientCertAuth,
    String crlFile, String allowedCn, String allowedHostname, boolean autoTls) {

  /** etcd's TLSInfo.Empty(): no certificate and key to serve with. */
  public boolean empty() {
    return certFile.isEmpty() && keyFile.isEmpty();
  }

  /** etcd asks connecting clients for a verified certificate when a CA is given, not only with client-cert-auth. */
  boolean requiresClientCert() {
    return clientCertAuth || !trustedCaFile.isEmpty();
  }

  /** The same settings serving the certificate --auto-tls generated (which peers cannot verify, so do not). */
  TlsInfo withSelfSigned(String cert, String key) {
    return new TlsInfo(cert, key, trustedCaFile, clientCertAuth, crlFile, allowedCn, allowedHostname, true);
  }
}
