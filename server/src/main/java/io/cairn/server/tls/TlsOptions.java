package io.cairn.server.tls;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What applies to client and peer TLS alike: etcd's --cipher-suites (Go names, turned into the JDK's)
 * and --tls-min-version / --tls-max-version (TLS1.2, TLS1.3; turned into JDK protocol names).
 */
public record TlsOptions(List<String> javaCipherSuites, List<String> protocols) {
  private static final List<String> VERSIONS = List.of("TLS1.2", "TLS1.3");

  public static TlsOptions parse(String cipherSuites, String minVersion, String maxVersion) throws TlsException {
    String min = minVersion.isEmpty() ? "TLS1.2" : checkVersion(minVersion);
    String max = maxVersion.isEmpty() ? "TLS1.3" : checkVersion(maxVersion);
    if (VERSIONS.indexOf(min) > VERSIONS.indexOf(max)) {
      throw new TlsException("min version (" + minVersion + ") is greater than max version (" + maxVersion + ")");
    }
    List<String> ciphers = CipherSuites.toJava(cipherSuites);
    if (!ciphers.isEmpty() && min.equals("TLS1.3")) {
      // as in Go, TLS 1.3's suites are not configurable
      throw new TlsException("cipher suites cannot be configured when only TLS1.3 is enabled");
    }
    List<String> protocols = new ArrayList<>();
    for (String v : VERSIONS.subList(VERSIONS.indexOf(min), VERSIONS.indexOf(max) + 1)) {
      protocols.add(0, "TLSv" + v.substring(3));
    }
    if (!ciphers.isEmpty() && protocols.contains("TLSv1.3")) {
      // the JDK filters TLS 1.3 by the same list: keep its suites so 1.3 stays usable, as in Go
      ciphers.addAll(CipherSuites.TLS13);
    }
    return new TlsOptions(List.copyOf(ciphers), List.copyOf(protocols));
  }

  private static String checkVersion(String v) throws TlsException {
    String up = v.toUpperCase(Locale.ROOT);
    if (!VERSIONS.contains(v) && !VERSIONS.contains(up)) {
      throw new TlsException("unexpected TLS version \"" + v + "\" (must be one of: TLS1.2, TLS1.3)");
    }
    return up;
  }
}
