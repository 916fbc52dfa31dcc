package io.cairn.server.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Chain verification (by the trusted CA) plus etcd's own checks, all inside the handshake so a
 * refused certificate never gets to send a byte of application data:
 * <ul>
 *   <li>--peer-cert-allowed-cn / --peer-cert-allowed-hostname / --client-cert-allowed-hostname: the
 *       leaf must carry that CN, or be valid for that host name (etcd's VerifyPeerCertificate, which
 *       applies to both directions);
 *   <li>--client-crl-file / --peer-crl-file: no certificate of the chain may have a revoked serial
 *       (etcd compares serial numbers only, and reads the list again for every connection; so do we,
 *       when it changed).
 * </ul>
 */
final class VerifyingTrustManager extends X509ExtendedTrustManager {
  private final X509ExtendedTrustManager chain;
  private final String allowedCn;
  private final String allowedHostname;
  private final Path crlFile;
  private volatile FileStamp crlStamp;
  private volatile X509CRL crl;

  VerifyingTrustManager(X509ExtendedTrustManager chain, TlsInfo info) throws IOException {
    this.chain = chain;
    this.allowedCn = info.allowedCn();
    this.allowedHostname = info.allowedHostname();
    if (!allowedCn.isEmpty() && !allowedHostname.isEmpty()) {
      throw new TlsException("AllowedCN and AllowedHostname are mutually exclusive (cn=\"" + allowedCn
          + "\", hostname=\"" + allowedHostname + "\")");
    }
    this.crlFile = info.crlFile().isEmpty() ? null : Path.of(info.crlFile());
    if (crlFile != null) {
      crlStamp = FileStamp.of(crlFile);
      crl = PemFiles.crl(crlFile);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] certs, String authType, SSLEngine engine) throws CertificateException {
    chain.checkClientTrusted(certs, authType, engine);
    checkAllowed(certs);
    checkRevoked(certs);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certs, String authType, SSLEngine engine) throws CertificateException {
    chain.checkServerTrusted(certs, authType, engine);
    checkAllowed(certs);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] certs, String authType, Socket socket) throws CertificateException {
    chain.checkClientTrusted(certs, authType, socket);
    checkAllowed(certs);
    checkRevoked(certs);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certs, String authType, Socket socket) throws CertificateException {
    chain.checkServerTrusted(certs, authType, socket);
    checkAllowed(certs);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] certs, String authType) throws CertificateException {
    chain.checkClientTrusted(certs, authType);
    checkAllowed(certs);
    checkRevoked(certs);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certs, String authType) throws CertificateException {
    chain.checkServerTrusted(certs, authType);
    checkAllowed(certs);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return chain.getAcceptedIssuers();
  }

  private void checkAllowed(X509Certificate[] certs) throws CertificateException {
    if (!allowedCn.isEmpty() && !allowedCn.equals(CertNames.commonName(certs[0]))) {
      throw new CertificateException("client certificate authentication failed: CommonName \""
          + CertNames.commonName(certs[0]) + "\" is not the allowed \"" + allowedCn + "\"");
    }
    if (!allowedHostname.isEmpty() && !CertNames.validFor(certs[0], allowedHostname)) {
      throw new CertificateException("client certificate authentication failed: not valid for host name \""
          + allowedHostname + "\"");
    }
  }

  private void checkRevoked(X509Certificate[] certs) throws CertificateException {
    if (crlFile == null) {
      return;
    }
    X509CRL list = currentCrl();
    for (X509Certificate c : certs) {
      BigInteger serial = c.getSerialNumber();
      if (list.getRevokedCertificate(serial) != null) {
        throw new CertificateException("attempted access from certificate with revoked serial number " + serial.toString(16));
      }
    }
  }

  private X509CRL currentCrl() throws CertificateException {
    FileStamp now = FileStamp.of(crlFile);
    if (!now.sameAs(crlStamp)) {
      synchronized (this) {
        try {
          crl = PemFiles.crl(crlFile);
          crlStamp = now;
        } catch (IOException e) {
          // etcd refuses the connection when the list cannot be read
          throw new CertificateException("cannot read the revocation list " + crlFile + ": " + e.getMessage(), e);
        }
      }
    }
    return crl;
  }
}
