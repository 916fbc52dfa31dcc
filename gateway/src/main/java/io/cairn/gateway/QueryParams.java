package io.cairn.gateway;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Query parameters parsed like Go's url.ParseQuery: a malformed pair is skipped, not an error. */
final class QueryParams {
  private QueryParams() {}

  static Map<String, List<String>> parse(String uri) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    int q = uri.indexOf('?');
    if (q < 0) {
      return out;
    }
    int hash = uri.indexOf('#', q);
    String query = uri.substring(q + 1, hash < 0 ? uri.length() : hash);
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      try {
        String k = decode(eq < 0 ? pair : pair.substring(0, eq));
        String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
        out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
      } catch (IllegalArgumentException e) {
        // as Go does: ignore the bad pair, keep the others
      }
    }
    return out;
  }

  private static String decode(String s) {
    return QueryStringDecoder.decodeComponent(s, StandardCharsets.UTF_8);
  }
}
