package io.cairn.gateway;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/** Scriptable {@link HttpEndpoints} for tests. */
final class FakeEndpoints implements HttpEndpoints {
  final AtomicReference<HealthReport> health = new AtomicReference<>(HealthReport.ok());
  final AtomicReference<String> serializableFailure = new AtomicReference<>();
  volatile boolean lastSerializable;
  volatile Set<String> lastExcluded;

  @Override
  public HealthReport health(boolean serializable, Set<String> excludedAlarms) {
    lastSerializable = serializable;
    lastExcluded = excludedAlarms;
    return health.get();
  }

  @Override
  public Map<String, Check> livezChecks() {
    Map<String, Check> m = new LinkedHashMap<>();
    m.put("serializable_read", serializableFailure::get);
    return m;
  }

  @Override
  public Map<String, Check> readyzChecks() {
    Map<String, Check> m = new LinkedHashMap<>();
    m.put("data_corruption", () -> null);
    m.put("serializable_read", serializableFailure::get);
    m.put("linearizable_read", () -> null);
    m.put("non_learner", () -> null);
    return m;
  }

  @Override
  public String versionJson() {
    return "{\"etcdserver\":\"3.6.0\",\"etcdcluster\":\"3.6.0\",\"storage\":\"3.6.0\"}";
  }

  @Override
  public String metricsText() {
    return "# TYPE etcd_server_has_leader gauge\netcd_server_has_leader 1\n";
  }
}
