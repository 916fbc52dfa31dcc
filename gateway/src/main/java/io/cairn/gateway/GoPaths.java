package io.cairn.gateway;

import java.nio.charset.StandardCharsets;

/**
 * What Go's http.ServeMux does to a request path before routing, which etcd's client port inherits:
 * a path that is not in canonical form ("//v3/kv/range", "/v3/./kv/range") is answered with a 301
 * to the cleaned path, and "/v3" with a 301 to the "/v3/" subtree the gateway is mounted on.
 */
final class GoPaths {
  private GoPaths() {}

  /** net/http's cleanPath: path.Clean, rooted, keeping a trailing slash. */
  static String clean(String p) {
    if (p.isEmpty()) {
      return "/";
    }
    if (p.charAt(0) != '/') {
      p = "/" + p;
    }
    String np = lexicalClean(p);
    if (p.endsWith("/") && !np.equals("/")) {
      np += "/";
    }
    return np;
  }

  /** Go's path.Clean for a rooted path. */
  static String lexicalClean(String path) {
    StringBuilder out = new StringBuilder(path.length());
    int n = path.length();
    int r = 1;
    int dotdot = 1;
    out.append('/');
    while (r < n) {
      if (path.charAt(r) == '/') {
        r++;
      } else if (path.charAt(r) == '.' && (r + 1 == n || path.charAt(r + 1) == '/')) {
        r++;
      } else if (path.charAt(r) == '.' && path.charAt(r + 1) == '.' && (r + 2 == n || path.charAt(r + 2) == '/')) {
        r += 2;
        if (out.length() > dotdot) {
          int w = out.length() - 1;
          while (w > dotdot && out.charAt(w) != '/') {
            w--;
          }
          out.setLength(w);
        }
      } else {
        if (out.length() != 1) {
          out.append('/');
        }
        while (r < n && path.charAt(r) != '/') {
          out.append(path.charAt(r++));
        }
      }
    }
    return out.toString();
  }

  /**
   * Where ServeMux redirects this (already /v3beta/-rewritten) path, or null to route it: the
   * "/v3/" subtree for "/v3", else the cleaned path when it differs.
   */
  static String redirectTarget(String path) {
    String cleaned = clean(path);
    if (cleaned.equals("/v3")) {
      return "/v3/";
    }
    return cleaned.equals(path) ? null : cleaned;
  }

  /** url.URL{Path: p}.String(): the path with the bytes a URL path may not hold percent-encoded. */
  static String escapePath(String p) {
    StringBuilder sb = new StringBuilder(p.length() + 8);
    for (byte b : p.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "-._~$&+,/:;=@!'()*".indexOf(c) >= 0) {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return sb.toString();
  }

  /** html.EscapeString as http.Redirect uses it for the link in a GET redirect's body. */
  static String htmlEscape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace("\"", "&#34;").replace("'", "&#39;");
  }
}
