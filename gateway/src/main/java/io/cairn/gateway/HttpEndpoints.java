package io.cairn.gateway;

import java.util.Map;
import java.util.Set;

/**
 * The plain (non-gRPC) HTTP endpoints' data, implemented by the server. Every method may block
 * (e.g. a health Range): the gateway calls them on its blocking executor, never on a Netty loop.
 */
public interface HttpEndpoints {

  /** {@code /health}: alarms (minus {@code excludedAlarms}), leader (unless serializable), a read. */
  HealthReport health(boolean serializable, Set<String> excludedAlarms);

  /** {@code /livez} checks in output order, e.g. {@code serializable_read}. */
  Map<String, Check> livezChecks();

  /** {@code /readyz} checks in output order: data_corruption, serializable_read, ... */
  Map<String, Check> readyzChecks();

  /** {@code /version} body, e.g. {"etcdserver":"3.6.0","etcdcluster":"3.6.0","storage":"3.6.0"}. */
  String versionJson();

  /** {@code /metrics} body in Prometheus text exposition format 0.0.4. */
  String metricsText();

  /** One named livez/readyz check. */
  @FunctionalInterface
  interface Check {
    /** Returns null (or empty) when the check passes, else the failure reason. */
    String run();
  }

  /** Outcome of {@code /health}; reason is e.g. "ALARM NOSPACE" or "RAFT NO LEADER". */
  record HealthReport(boolean healthy, String reason) {
    public static HealthReport ok() {
      return new HealthReport(true, "");
    }

    public static HealthReport failed(String reason) {
      return new HealthReport(false, reason == null ? "" : reason);
    }
  }
}
