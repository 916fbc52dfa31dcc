package io.cairn.gateway;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * etcd's non-gRPC endpoints (etcdhttp): /health, /livez, /readyz (and their /&lt;check&gt; sub-paths),
 * /version and /metrics. {@link #handle} may block in the provider, so it runs off the event loop.
 */
final class PlainEndpoints {
  static final String METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpEndpoints provider;

  PlainEndpoints(HttpEndpoints provider) {
    this.provider = provider;
  }

  /** Whether the path is one of these endpoints (cheap, event-loop safe). */
  static boolean knows(String path) {
    return path.equals("/health")
        || path.equals("/version")
        || path.equals("/metrics")
        || probeKind(path) != null;
  }

  PlainResponse handle(String method, String path, Map<String, List<String>> query) {
    switch (path) {
      case "/health":
        return health(method, query);
      case "/version":
        if (!"GET".equals(method)) {
          return methodNotAllowed();
        }
        return new PlainResponse(HttpResponseStatus.OK, Responder.JSON, provider.versionJson());
      case "/metrics":
        return new PlainResponse(HttpResponseStatus.OK, METRICS_TYPE, provider.metricsText());
      default:
        if (!"GET".equals(method)) {
          return methodNotAllowed();
        }
        return probe(path, query);
    }
  }

  /**
   * etcdhttp's NewHealthHandler: the JSON written without a content type (so Go's sniffing makes it
   * text/plain), or, when unhealthy, through http.Error (503, a newline, nosniff).
   */
  private PlainResponse health(String method, Map<String, List<String>> query) {
    if (!"GET".equals(method)) {
      return methodNotAllowed();
    }
    boolean serializable = query.getOrDefault("serializable", List.of()).contains("true");
    Set<String> excluded = new LinkedHashSet<>(query.getOrDefault("exclude", List.of()));
    excluded.remove("");
    HttpEndpoints.HealthReport report = provider.health(serializable, excluded);
    StringBuilder body = new StringBuilder("{\"health\":");
    GrpcErrors.appendQuoted(body, report.healthy() ? "true" : "false");
    body.append(",\"reason\":");
    GrpcErrors.appendQuoted(body, report.reason() == null ? "" : report.reason());
    body.append('}');
    return report.healthy()
        ? new PlainResponse(HttpResponseStatus.OK, Responder.TEXT, body.toString(), false, null)
        : httpError(HttpResponseStatus.SERVICE_UNAVAILABLE, body.toString());
  }

  /**
   * etcd 3.6's CheckRegistry (etcdhttp/health.go): the root path runs every check not excluded (an
   * excluded or unknown name prints nothing), a sub-path runs its one check. All passing: "ok\n",
   * after the "[+]name ok" lines with ?verbose. Any failing: 503 through http.Error with all the
   * lines ("[-]name failed: reason").
   */
  private PlainResponse probe(String path, Map<String, List<String>> query) {
    String kind = probeKind(path);
    Map<String, HttpEndpoints.Check> checks =
        kind.equals("livez") ? provider.livezChecks() : provider.readyzChecks();
    String single = path.length() > kind.length() + 2 ? path.substring(kind.length() + 2) : null;
    Map<String, HttpEndpoints.Check> run = new LinkedHashMap<>();
    if (single != null) {
      HttpEndpoints.Check check = checks.get(single);
      if (check == null) {
        return new PlainResponse(HttpResponseStatus.NOT_FOUND, Responder.TEXT, "404 page not found\n");
      }
      run.put(single, check);
    } else {
      Set<String> excluded = new LinkedHashSet<>(query.getOrDefault("exclude", List.of()));
      checks.forEach((name, check) -> {
        if (!excluded.contains(name)) {
          run.put(name, check);
        }
      });
    }
    StringBuilder out = new StringBuilder();
    boolean failed = false;
    for (Map.Entry<String, HttpEndpoints.Check> e : run.entrySet()) {
      String reason = run(e.getValue());
      if (reason == null) {
        out.append("[+]").append(e.getKey()).append(" ok\n");
      } else {
        failed = true;
        out.append("[-]").append(e.getKey()).append(" failed: ").append(reason).append('\n');
      }
    }
    if (failed) {
      return httpError(HttpResponseStatus.SERVICE_UNAVAILABLE, out.toString());
    }
    String body = (query.containsKey("verbose") ? out : "") + "ok\n";
    return new PlainResponse(HttpResponseStatus.OK, Responder.TEXT, body);
  }

  private static String run(HttpEndpoints.Check check) {
    String reason;
    try {
      reason = check.run();
    } catch (RuntimeException e) {
      reason = String.valueOf(e.getMessage());
    }
    return reason == null || reason.isEmpty() ? null : reason;
  }

  private static String probeKind(String path) {
    for (String kind : new String[] {"livez", "readyz"}) {
      String root = "/" + kind;
      if (path.equals(root) || (path.startsWith(root + "/") && path.length() > root.length() + 1)) {
        return kind;
      }
    }
    return null;
  }

  /** etcd's allowMethod / health handlers: Allow: GET and http.Error's text. */
  private static PlainResponse methodNotAllowed() {
    return new PlainResponse(
        HttpResponseStatus.METHOD_NOT_ALLOWED, Responder.TEXT, "Method Not Allowed\n", true, "GET");
  }

  /** Go's http.Error: text/plain, nosniff, the message and a newline. */
  private static PlainResponse httpError(HttpResponseStatus status, String message) {
    return new PlainResponse(status, Responder.TEXT, message + "\n", true, null);
  }

  /**
   * A whole response for one of these endpoints; {@code nosniff} adds X-Content-Type-Options as
   * http.Error does, {@code allow} (or null) an Allow header.
   */
  record PlainResponse(
      HttpResponseStatus status, String contentType, String body, boolean nosniff, String allow) {
    PlainResponse(HttpResponseStatus status, String contentType, String body) {
      this(status, contentType, body, Responder.TEXT.equals(contentType), null);
    }
  }
}
