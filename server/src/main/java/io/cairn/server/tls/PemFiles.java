package io.cairn.server.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** Reads the PEM files etcd's flags name: certificate chains, private keys in any of OpenSSL's forms, CRLs. */
final class PemFiles {
  private PemFiles() {}

  static List<X509Certificate> certificates(Path file) throws IOException {
    try (InputStream in = open(file)) {
      List<X509Certificate> out = new ArrayList<>();
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw new TlsException("failed to find any PEM data in certificate input");
      }
      return out;
    } catch (CertificateException e) {
      throw new TlsException(file + ": " + e.getMessage(), e);
    }
  }

  /** PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY"), unencrypted as in etcd. */
  static PrivateKey privateKey(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file); PEMParser p = new PEMParser(r)) {
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
      for (Object o = p.readObject(); o != null; o = p.readObject()) {
        if (o instanceof PEMKeyPair kp) {
          return conv.getPrivateKey(kp.getPrivateKeyInfo());
        }
        if (o instanceof PrivateKeyInfo info) {
          return conv.getPrivateKey(info);
        }
      }
      throw new TlsException("failed to find any PEM data in key input");
    } catch (NoSuchFileException e) {
      throw new TlsException("open " + file + ": no such file or directory", e);
    }
  }

  static X509CRL crl(Path file) throws IOException {
    try (InputStream in = open(file)) {
      return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(in);
    } catch (CertificateException | CRLException e) {
      throw new TlsException(file + ": " + e.getMessage(), e);
    }
  }

  private static InputStream open(Path file) throws IOException {
    try {
      return Files.newInputStream(file);
    } catch (NoSuchFileException e) {
      // etcd's (Go's) wording
      throw new TlsException("open " + file + ": no such file or directory", e);
    }
  }
}
