package io.cairn.gateway;

/** etcd's Host-header check against DNS rebinding (CVE-2018-5702) on plaintext connections. */
final class HostHeader {
  private HostHeader() {}

  /** httputil.GetHostname: the Host header without its port; the whole value if it has none. */
  static String hostname(String hostHeader) {
    if (hostHeader == null) {
      return "";
    }
    String h = hostHeader.trim();
    if (h.startsWith("[")) {
      int close = h.indexOf(']');
      return close > 0 && (close == h.length() - 1 || h.charAt(close + 1) == ':')
          ? h.substring(1, close)
          : h;
    }
    int colon = h.indexOf(':');
    return colon >= 0 && colon == h.lastIndexOf(':') ? h.substring(0, colon) : h;
  }

  /** The body of etcd's 421 answer (errCVE20185702), with Go's %q quoting of the host. */
  static String dnsRebindingMessage(String host) {
    StringBuilder quoted = new StringBuilder();
    GrpcErrors.appendQuoted(quoted, host);
    return "\netcd received your request, but the Host header was unrecognized.\n\n"
        + "To fix this, choose one of the following options:\n"
        + "- Enable TLS, then any HTTPS request will be allowed.\n"
        + "- Add the hostname you want to use to the whitelist in settings.\n"
        + "  - e.g. etcd --host-whitelist "
        + quoted
        + "\n\nThis requirement has been added to help prevent \"DNS Rebinding\" attacks"
        + " (CVE-2018-5702).\n\n";
  }
}
