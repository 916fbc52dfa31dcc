package io.cairn.gateway;

import io.netty.handler.codec.http.HttpResponseStatus;
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
        return probe(path, query);
    }
  }

  private PlainResponse health(String method, Map<String, List<String>> query) {
    if (!"GET".equals(method)) {
      return methodNotAllowed();
    }
    boolean serializable = query.getOrDefault("serializable", List.of()).contains("true");
    Set<String> excluded = new LinkedHashSet<>(query.getOrDefault("exclude", List.of()));
    HttpEndpoints.HealthReport report = provider.health(serializable, excluded);
    StringBuilder body = new StringBuilder("{\"health\":");
    GrpcErrors.appendQuoted(body, report.healthy() ? "true" : "false");
    body.append(",\"reason\":");
    GrpcErrors.appendQuoted(body, report.reason() == null ? "" : report.reason());
    body.append('}');
    return new PlainResponse(
        report.healthy() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
        Responder.JSON,
        body.toString());
  }

  /** Kubernetes-style probes, as etcd 3.6's health.go CheckRegistry prints them. */
  private PlainResponse probe(String path, Map<String, List<String>> query) {
    String kind = probeKind(path);
    Map<String, HttpEndpoints.Check> checks =
        kind.equals("livez") ? provider.livezChecks() : provider.readyzChecks();
    String single = path.length() > kind.length() + 2 ? path.substring(kind.length() + 2) : null;
    if (single != null) {
      HttpEndpoints.Check check = checks.get(single);
      if (check == null) {
        return new PlainResponse(HttpResponseStatus.NOT_FOUND, Responder.TEXT, "404 page not found\n");
      }
      String reason = run(check);
      return reason == null
          ? new PlainResponse(HttpResponseStatus.OK, Responder.TEXT, "ok")
          : new PlainResponse(
              HttpResponseStatus.SERVICE_UNAVAILABLE,
              Responder.TEXT,
              "[-]" + single + " failed: " + reason + "\n");
    }
    Set<String> excluded = new LinkedHashSet<>(query.getOrDefault("exclude", List.of()));
    StringBuilder out = new StringBuilder();
    boolean failed = false;
    for (Map.Entry<String, HttpEndpoints.Check> e : checks.entrySet()) {
      String name = e.getKey();
      if (excluded.remove(name)) {
        out.append("[+]").append(name).append(" excluded: ok\n");
        continue;
      }
      String reason = run(e.getValue());
      if (reason == null) {
        out.append("[+]").append(name).append(" ok\n");
      } else {
        failed = true;
        out.append("[-]").append(name).append(" failed: ").append(reason).append('\n');
      }
    }
    if (!excluded.isEmpty()) {
      out.append("warn: some health checks cannot be excluded: no matches for ");
      out.append(String.join(",", excluded.stream().map(s -> '"' + s + '"').toList()));
      out.append('\n');
    }
    if (failed) {
      out.append(kind).append(" check failed\n");
      return new PlainResponse(HttpResponseStatus.SERVICE_UNAVAILABLE, Responder.TEXT, out.toString());
    }
    if (!query.containsKey("verbose")) {
      return new PlainResponse(HttpResponseStatus.OK, Responder.TEXT, "ok\n");
    }
    out.append(kind).append(" check passed\n");
    return new PlainResponse(HttpResponseStatus.OK, Responder.TEXT, out.toString());
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

  private static PlainResponse methodNotAllowed() {
    return new PlainResponse(
        HttpResponseStatus.METHOD_NOT_ALLOWED, Responder.TEXT, "Method Not Allowed\n");
  }

  /** A whole response for one of these endpoints. */
  record PlainResponse(HttpResponseStatus status, String contentType, String body) {}
}
