package io.cairn.server.tls;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * --auto-tls / --peer-auto-tls: etcd's transport.SelfCert. A self-signed ECDSA certificate for the
 * listen URLs' hosts, valid one year, written once to {@code <data-dir>/fixtures/client} or
 * {@code .../peer} as cert.pem and key.pem and reused from there on later starts.
 */
final class SelfSignedCert {
  private SelfSignedCert() {}

  /** Returns {cert, key}, generating them unless both files already exist. */
  static Path[] ensure(Path dir, List<String> hosts) throws IOException {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    if (Files.exists(cert) && Files.exists(key)) {
      return new Path[] {cert, key};
    }
    Files.createDirectories(dir);
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair pair = gen.generateKeyPair();
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("O=etcd"),
          new BigInteger(128, new SecureRandom()), Date.from(now), Date.from(now.plus(Duration.ofDays(365))),
          new X500Name("O=etcd"), pair.getPublic());
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyEncipherment | KeyUsage.digitalSignature));
      // peers present it as a client certificate too
      b.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      List<GeneralName> names = new ArrayList<>();
      for (String h : hosts) {
        names.add(isIp(h) ? new GeneralName(GeneralName.iPAddress, h) : new GeneralName(GeneralName.dNSName, h));
      }
      if (!names.isEmpty()) {
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(new GeneralName[0])));
      }
      X509CertificateHolder holder = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
      writePem(cert, holder, false);
      writePem(key, pair.getPrivate(), true);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new TlsException("cannot generate a self-signed certificate in " + dir + ": " + e.getMessage(), e);
    }
    return new Path[] {cert, key};
  }

  private static boolean isIp(String h) {
    try {
      return (h.matches("[0-9.]+") || h.contains(":")) && InetAddress.getByName(h) != null;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private static void writePem(Path file, Object o, boolean secret) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    if (secret) {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    try (Writer w = Files.newBufferedWriter(tmp); JcaPEMWriter pem = new JcaPEMWriter(w)) {
      // keys as PKCS#8: the writer's own EC form would drop the curve (the JDK's encoding keeps it outside)
      pem.writeObject(o instanceof java.security.PrivateKey k ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null) : o);
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
