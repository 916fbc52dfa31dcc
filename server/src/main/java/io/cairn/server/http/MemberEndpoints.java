package io.cairn.server.http;

import com.google.protobuf.ByteString;
import io.cairn.gateway.HttpEndpoints;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.server.Versions;
import io.cairn.server.api.MemberState;
import io.cairn.server.metrics.ServerMetrics;
import io.cairn.storage.mvcc.MvccStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** The data behind /health, /livez, /readyz, /version and /metrics, read from this member. */
public final class MemberEndpoints implements HttpEndpoints {
  private static final RangeRequest HEALTH_READ = RangeRequest.newBuilder()
      .setKey(ByteString.copyFromUtf8("health")).setKeysOnly(true).setLimit(1).build();

  private final MemberState member;
  private final MvccStore store;
  private final ServerMetrics metrics;
  /** A linearizable read barrier: completes when this member may serve a read of the latest state. */
  private final Supplier<java.util.concurrent.CompletableFuture<Void>> readBarrier;

  private final io.cairn.server.alarm.Alarms alarms;

  public MemberEndpoints(MemberState member, MvccStore store, ServerMetrics metrics,
      Supplier<java.util.concurrent.CompletableFuture<Void>> readBarrier, io.cairn.server.alarm.Alarms alarms) {
    this.alarms = alarms;
    this.member = member;
    this.store = store;
    this.metrics = metrics;
    this.readBarrier = readBarrier;
  }

  @Override
  public HealthReport health(boolean serializable, Set<String> excludedAlarms) {
    // etcd's order: alarms, leader, then a read
    String alarm = alarms.healthFailure(excludedAlarms);
    if (alarm != null) {
      return HealthReport.failed(alarm);
    }
    if (!serializable && !member.hasLeader()) {
      return HealthReport.failed("RAFT NO LEADER");
    }
    String err = serializable ? serializableRead() : linearizableRead();
    return err == null ? HealthReport.ok() : HealthReport.failed("RANGE ERROR:" + err);
  }

  @Override
  public Map<String, Check> livezChecks() {
    Map<String, Check> m = new LinkedHashMap<>();
    m.put("serializable_read", this::serializableRead);
    return m;
  }

  @Override
  public Map<String, Check> readyzChecks() {
    Map<String, Check> m = new LinkedHashMap<>();
    m.put("data_corruption", () -> alarms.activated(io.cairn.proto.etcdserverpb.AlarmType.CORRUPT));
    m.put("serializable_read", this::serializableRead);
    m.put("linearizable_read", this::linearizableRead);
    m.put("non_learner", () -> null);
    return m;
  }

  private String serializableRead() {
    try {
      store.range(HEALTH_READ);
      return null;
    } catch (RuntimeException e) {
      return e.getMessage();
    }
  }

  private String linearizableRead() {
    try {
      readBarrier.get().get(5, java.util.concurrent.TimeUnit.SECONDS);
      store.range(HEALTH_READ);
      return null;
    } catch (java.util.concurrent.TimeoutException e) {
      return io.cairn.server.api.EtcdErrors.TIMEOUT;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    } catch (Exception e) {
      // etcd prints the error's text ("etcdserver: leader changed"), not the gRPC code in front of it
      String d = io.cairn.server.api.EtcdErrors.toStatus(e).getStatus().getDescription();
      return d != null ? d : String.valueOf(e.getMessage());
    }
  }

  @Override
  public String versionJson() {
    return "{\"etcdserver\":\"" + Versions.ETCD_SERVER + "\",\"etcdcluster\":\"" + Versions.ETCD_CLUSTER
        + "\",\"storage\":\"" + Versions.ETCD_STORAGE + "\"}";
  }

  @Override
  public String metricsText() {
    return metrics.scrape();
  }
}
