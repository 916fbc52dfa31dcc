package io.cairn.server.it;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throwaway certificate authority for one test: issues PEM certificate/key pairs for 127.0.0.1 (public: unit tests of TLS use it too). */
public final class TestCa {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final AtomicLong SERIAL = new AtomicLong(1000 + RANDOM.nextInt(1000));

  final Path dir;
  public final Path certFile;
  private final KeyPair keys;
  public final X509Certificate cert;

  /** A certificate and key written as PEM files. */
  public record Issued(Path cert, Path key, X509Certificate certificate, KeyPair keys) {
    public BigInteger serial() {
      return certificate.getSerialNumber();
    }
  }

  public TestCa(Path dir, String name) throws Exception {
    this.dir = Files.createDirectories(dir);
    this.keys = ecKeys();
    X500Name subject = new X500Name("CN=" + name);
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(Instant.now().minus(Duration.ofHours(1))), Date.from(Instant.now().plus(Duration.ofDays(2))),
        subject, keys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    this.cert = new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    this.certFile = dir.resolve("ca.pem");
    write(certFile, cert);
  }

  /** A certificate for {@code cn}, valid for 127.0.0.1 and localhost, as server and as client. */
  Issued issue(String cn, Path certFile, Path keyFile) throws Exception {
    KeyPair kp = ecKeys();
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(cert, // the issuer
        BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(Instant.now().minus(Duration.ofHours(1))),
        Date.from(Instant.now().plus(Duration.ofDays(1))), new X500Name("CN=" + cn + ",O=cairn-test"),
        kp.getPublic());
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
    b.addExtension(Extension.extendedKeyUsage, false,
        new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
    X509Certificate c = new JcaX509CertificateConverter().getCertificate(
        b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    // write next to the target and move, as an operator's rotation (or cert-manager) does
    Path tmpCert = certFile.resolveSibling(certFile.getFileName() + ".new");
    Path tmpKey = keyFile.resolveSibling(keyFile.getFileName() + ".new");
    write(tmpCert, c);
    write(tmpKey, kp.getPrivate());
    Files.move(tmpKey, keyFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmpCert, certFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return new Issued(certFile, keyFile, c, kp);
  }

  public Issued issue(String cn) throws Exception {
    return issue(cn, dir.resolve(cn + ".pem"), dir.resolve(cn + "-key.pem"));
  }

  /** A revocation list naming {@code revoked}, written to {@code file}. */
  Path crl(Path file, Issued... revoked) throws Exception {
    org.bouncycastle.cert.X509v2CRLBuilder b = new org.bouncycastle.cert.X509v2CRLBuilder(
        new X500Name(cert.getSubjectX500Principal().getName()), Date.from(Instant.now().minus(Duration.ofMinutes(1))));
    b.setNextUpdate(Date.from(Instant.now().plus(Duration.ofDays(1))));
    for (Issued i : revoked) {
      b.addCRLEntry(i.serial(), new Date(), org.bouncycastle.asn1.x509.CRLReason.keyCompromise);
    }
    write(file, b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    return file;
  }

  /** A TLS client context trusting this CA, presenting {@code client} (null: no certificate). */
  public SSLContext clientContext(Issued client) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", cert);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (client != null) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("me", client.keys().getPrivate(), new char[0], new X509Certificate[] {client.certificate()});
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, new char[0]);
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), RANDOM);
    return ctx;
  }

  private static KeyPair ecKeys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256, RANDOM);
    return g.generateKeyPair();
  }

  private static void write(Path file, Object o) throws IOException {
    try (Writer w = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(w)) {
      // keys as PKCS#8: the writer's own EC form would drop the curve (the JDK's encoding keeps it outside)
      pem.writeObject(o instanceof java.security.PrivateKey k ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null) : o);
    }
  }
}
