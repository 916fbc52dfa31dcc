package io.cairn.server.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves (and, on peer links, presents) the certificate and key from --cert-file/--key-file, read
 * again whenever either file changed on disk: etcd loads them at every handshake, so certificates
 * rotate without a restart. A stat per handshake decides; a pair that fails to load (half-written,
 * say) keeps the previous one in use.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
  private static final Logger LOG = LoggerFactory.getLogger(ReloadingKeyManager.class);

  private record Loaded(FileStamp stamp, String alias, X509Certificate[] chain, PrivateKey key) {}

  private final Path certFile;
  private final Path keyFile;
  private volatile Loaded current;
  /** The pair before the last rotation, for a handshake that chose it just before. */
  private volatile Loaded previous;
  private int generation;

  /** Loads once now, so a bad pair fails the start rather than the first handshake. */
  ReloadingKeyManager(Path certFile, Path keyFile) throws IOException {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.current = load(FileStamp.of(certFile, keyFile));
  }

  private synchronized Loaded load(FileStamp stamp) throws IOException {
    List<X509Certificate> chain = PemFiles.certificates(certFile);
    PrivateKey key = PemFiles.privateKey(keyFile);
    if (!chain.get(0).getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
      throw new TlsException("tls: private key type does not match public key type");
    }
    return new Loaded(stamp, "cairn-" + (++generation), chain.toArray(new X509Certificate[0]), key);
  }

  /** The pair to use for a handshake starting now. */
  private Loaded fresh() {
    Loaded l = current;
    FileStamp now = FileStamp.of(certFile, keyFile);
    if (now.sameAs(l.stamp())) {
      return l;
    }
    synchronized (this) {
      if (current != l) {
        return current;
      }
      try {
        Loaded next = load(now);
        previous = l;
        current = next;
        LOG.info("loaded the rotated certificate {} (serial {})", certFile,
            current.chain()[0].getSerialNumber().toString(16));
      } catch (IOException | RuntimeException e) {
        LOG.warn("cannot load {} / {}, still using the previous pair: {}", certFile, keyFile, e.getMessage());
        current = new Loaded(now, l.alias(), l.chain(), l.key());
      }
      return current;
    }
  }

  /** The pair a handshake chose by alias: the current one, or (rotated meanwhile) the one of that alias. */
  private Loaded byAlias(String alias) {
    Loaded l = current;
    Loaded p = previous;
    return p != null && !l.alias().equals(alias) && p.alias().equals(alias) ? p : l;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return matches(fresh(), keyType);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return matches(fresh(), keyType);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    Loaded l = fresh();
    for (String t : keyTypes) {
      if (matches(l, t) != null) {
        return l.alias();
      }
    }
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return chooseEngineClientAlias(keyTypes, issuers, null);
  }

  private static String matches(Loaded l, String keyType) {
    String alg = l.key().getAlgorithm();
    // the JDK asks by key type ("EC", "RSA", "RSASSA-PSS"...); EC keys also come as "EC_EC" / "EC_RSA" in TLS 1.2
    boolean ok = keyType.equals(alg) || keyType.startsWith(alg + "_") || (alg.equals("RSA") && keyType.equals("RSASSA-PSS"));
    return ok ? l.alias() : null;
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return byAlias(alias).chain().clone();
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return byAlias(alias).key();
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    String a = matches(current, keyType);
    return a == null ? null : new String[] {a};
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return getClientAliases(keyType, issuers);
  }
}
