package io.cairn.server.metrics;

import io.cairn.server.api.MemberState;
import io.cairn.storage.mvcc.MvccStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The member's Prometheus metrics under etcd's names, for the figures Cairn has, so dashboards and
 * alerts written for etcd read them unchanged.
 */
public final class ServerMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter leaderChanges;
  private final Counter proposalsFailed;
  private final Timer walFsync;
  private final Timer backendCommit;

  public ServerMetrics(MemberState member, MvccStore store, long quotaBytes, LongSupplier pendingProposals) {
    Gauge.builder("etcd_server_has_leader", () -> member.hasLeader() ? 1 : 0)
        .description("Whether or not a leader exists. 1 is existence, 0 is not.").register(registry);
    Gauge.builder("etcd_server_is_leader", () -> member.leaderId() == member.memberId() ? 1 : 0)
        .description("Whether or not this member is a leader. 1 if is, 0 otherwise.").register(registry);
    leaderChanges = Counter.builder("etcd_server_leader_changes_seen")
        .description("The number of leader changes seen.").register(registry);
    // etcd counts the first election (from no leader to one) as a change, so a fresh member shows 1.
    // The server registers for changes only after building this, by when a single member has often
    // elected itself already: a leader known now is a change this counter would otherwise miss.
    if (member.hasLeader()) {
      leaderChanges.increment();
    }
    // etcd exports these as gauges named *_total; a function counter keeps that name in Prometheus
    FunctionCounter.builder("etcd_server_proposals_committed", member, MemberState::raftIndex)
        .description("The total number of consensus proposals committed.").register(registry);
    FunctionCounter.builder("etcd_server_proposals_applied", member, MemberState::appliedIndex)
        .description("The total number of consensus proposals applied.").register(registry);
    Gauge.builder("etcd_server_proposals_pending", pendingProposals::getAsLong)
        .description("The current number of pending proposals to commit.").register(registry);
    proposalsFailed = Counter.builder("etcd_server_proposals_failed")
        .description("The total number of failed proposals seen.").register(registry);
    Gauge.builder("etcd_server_quota_backend_bytes", () -> quotaBytes)
        .description("Current backend storage quota size in bytes.").register(registry);
    Gauge.builder("etcd_mvcc_db_total_size_in_bytes", store::dbSizeBytes)
        .description("Total size of the underlying database physically allocated in bytes.").register(registry);
    Gauge.builder("etcd_mvcc_db_total_size_in_use_in_bytes", store::dbSizeInUseBytes)
        .description("Total size of the underlying database logically in use in bytes.").register(registry);
    Gauge.builder("etcd_debugging_mvcc_current_revision", store::currentRevision)
        .description("The current revision of store.").register(registry);
    Gauge.builder("etcd_debugging_mvcc_compact_revision", store::compactRevision)
        .description("The revision of the last compaction in store.").register(registry);
    walFsync = Timer.builder("etcd_disk_wal_fsync_duration")
        .description("The latency distributions of fsync called by WAL.")
        .serviceLevelObjectives(buckets()).register(registry);
    // Registered so dashboards find the family, but nothing feeds it yet: the store (storage module)
    // has no hook around its batch write or flush to time. It stays empty rather than show a figure
    // that is not a backend commit.
    backendCommit = Timer.builder("etcd_disk_backend_commit_duration")
        .description("The latency distributions of commit called by backend.")
        .serviceLevelObjectives(buckets()).register(registry);
    Gauge.builder("process_resident_memory_bytes", ServerMetrics::residentBytes)
        .description("Resident memory size in bytes.").register(registry);
    new ProcessorMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
  }

  /** etcd's fsync/commit buckets: 1 ms doubling to about 8 s. */
  private static Duration[] buckets() {
    Duration[] d = new Duration[14];
    for (int i = 0; i < d.length; i++) {
      d[i] = Duration.ofNanos(1_000_000L << i);
    }
    return d;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public void leaderChanged() {
    leaderChanges.increment();
  }

  public void proposalFailed() {
    proposalsFailed.increment();
  }

  public void walFsync(long nanos) {
    walFsync.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void backendCommit(long nanos) {
    backendCommit.record(nanos, TimeUnit.NANOSECONDS);
  }

  public String scrape() {
    return registry.scrape();
  }

  private static double residentBytes() {
    try {
      String[] statm = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
      return Long.parseLong(statm[1]) * 4096.0;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }
}
