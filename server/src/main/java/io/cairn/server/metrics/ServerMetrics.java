package io.cairn.server.metrics;

import io.cairn.server.api.MemberState;
import io.cairn.storage.mvcc.MvccException;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreMemory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The member's Prometheus metrics under etcd's names, types, labels and buckets, so dashboards and alerts written for
 * etcd read them unchanged (docs/operations.md lists them). Built before the member, which reports its events here
 * ({@link MemberEvents}); the gauges that read the member are added by {@link #bind} once it exists.
 */
public final class ServerMetrics implements MemberEvents {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter leaderChanges;
  private final Counter proposalsFailed;
  private final Counter slowApplies;
  private final Counter heartbeatFailures;
  private final Counter puts;
  private final Counter deletes;
  private final Counter ranges;
  private final Counter txns;
  private final Timer walFsync;
  private final Timer backendCommit;
  private final Timer backendSnapshot;
  private final PeerMeters peers;
  private volatile KeyCount keyCount;
  // RocksDB's memory, read once per scrape for all four of its gauges (each reading costs a pass over the families)
  private volatile MvccStore memoryOf;
  private volatile StoreMemory storeMemory = new StoreMemory(0, 0, 0, 0);

  public ServerMetrics() {
    leaderChanges = Counter.builder("etcd_server_leader_changes_seen")
        .description("The number of leader changes seen.").register(registry);
    proposalsFailed = Counter.builder("etcd_server_proposals_failed")
        .description("The total number of failed proposals seen.").register(registry);
    slowApplies = Counter.builder("etcd_server_slow_apply")
        .description("The total number of slow apply requests (likely overloaded from slow disk).").register(registry);
    heartbeatFailures = Counter.builder("etcd_server_heartbeat_send_failures")
        .description("The total number of leader heartbeat send failures (likely overloaded from slow disk).")
        .register(registry);
    puts = Counter.builder("etcd_mvcc_put").description("Total number of puts seen by this member.").register(registry);
    deletes = Counter.builder("etcd_mvcc_delete").description("Total number of deletes seen by this member.")
        .register(registry);
    ranges = Counter.builder("etcd_mvcc_range").description("Total number of ranges seen by this member.")
        .register(registry);
    txns = Counter.builder("etcd_mvcc_txn").description("Total number of txns seen by this member.").register(registry);
    walFsync = Timer.builder("etcd_disk_wal_fsync_duration")
        .description("The latency distributions of fsync called by WAL.")
        .serviceLevelObjectives(doubling(1_000_000L, 14)).register(registry);
    backendCommit = Timer.builder("etcd_disk_backend_commit_duration")
        .description("The latency distributions of commit called by backend.")
        .serviceLevelObjectives(doubling(1_000_000L, 14)).register(registry);
    backendSnapshot = Timer.builder("etcd_disk_backend_snapshot_duration")
        .description("The latency distribution of backend snapshots.")
        .serviceLevelObjectives(doubling(10_000_000L, 17)).register(registry);
    peers = new PeerMeters(registry);
    ProcessMeters.bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
  }

  /**
   * Adds the gauges that read the member, its store and its identity. etcd counts the first election (from no leader
   * to one) as a leader change, so a fresh member shows 1: the member may have elected itself before it was told to
   * report changes here, and a leader known now is a change the counter would otherwise miss.
   */
  public void bind(MemberState member, MvccStore store, long quotaBytes, LongSupplier pendingProposals,
      String serverVersion, String clusterVersion) {
    if (member.hasLeader()) {
      leaderChanges.increment();
    }
    Gauge.builder("etcd_server_has_leader", () -> member.hasLeader() ? 1 : 0)
        .description("Whether or not a leader exists. 1 is existence, 0 is not.").register(registry);
    Gauge.builder("etcd_server_is_leader", () -> member.leaderId() == member.memberId() ? 1 : 0)
        .description("Whether or not this member is a leader. 1 if is, 0 otherwise.").register(registry);
    Gauge.builder("etcd_server_is_learner", () -> member.isLearner() ? 1 : 0)
        .description("Whether or not this member is a learner. 1 if is, 0 otherwise.").register(registry);
    // etcd exports these as gauges named *_total; a function counter keeps that name in Prometheus
    FunctionCounter.builder("etcd_server_proposals_committed", member, MemberState::raftIndex)
        .description("The total number of consensus proposals committed.").register(registry);
    FunctionCounter.builder("etcd_server_proposals_applied", member, MemberState::appliedIndex)
        .description("The total number of consensus proposals applied.").register(registry);
    Gauge.builder("etcd_server_proposals_pending", pendingProposals::getAsLong)
        .description("The current number of pending proposals to commit.").register(registry);
    Gauge.builder("etcd_server_quota_backend_bytes", () -> quotaBytes)
        .description("Current backend storage quota size in bytes.").register(registry);
    Gauge.builder("etcd_server_id", () -> 1).tag("server_id", Long.toHexString(member.memberId()))
        .description("Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.")
        .register(registry);
    Gauge.builder("etcd_server_version", () -> 1).tag("server_version", serverVersion)
        .description("Which version is running. 1 for 'server_version' label with current version.")
        .register(registry);
    Gauge.builder("etcd_cluster_version", () -> 1).tag("cluster_version", clusterVersion)
        .description("Which version is running. 1 for 'cluster_version' label with current cluster version")
        .register(registry);
    Gauge.builder("etcd_mvcc_db_total_size_in_bytes", store::dbSizeBytes)
        .description("Total size of the underlying database physically allocated in bytes.").register(registry);
    Gauge.builder("etcd_mvcc_db_total_size_in_use_in_bytes", store::dbSizeInUseBytes)
        .description("Total size of the underlying database logically in use in bytes.").register(registry);
    Gauge.builder("etcd_debugging_mvcc_current_revision", store::currentRevision)
        .description("The current revision of store.").register(registry);
    Gauge.builder("etcd_debugging_mvcc_compact_revision", store::compactRevision)
        .description("The revision of the last compaction in store.").register(registry);
    // Cairn's own: RocksDB's native memory, which the JVM's metrics do not see
    Gauge.builder("cairn_rocksdb_memory_bytes", this, m -> m.storeMemory.cacheBytes()).tag("kind", "block_cache")
        .description("RocksDB's native memory by kind; block_cache includes the memtables charged to it.")
        .register(registry);
    Gauge.builder("cairn_rocksdb_memory_bytes", this, m -> m.storeMemory.memtableBytes()).tag("kind", "memtables")
        .register(registry);
    Gauge.builder("cairn_rocksdb_memory_bytes", this, m -> m.storeMemory.pinnedBytes()).tag("kind", "pinned")
        .register(registry);
    Gauge.builder("cairn_rocksdb_memory_bytes", this, m -> m.storeMemory.tableReaderBytes())
        .tag("kind", "table_readers").register(registry);
    memoryOf = store;
    keyCount = new KeyCount(store); // written by scrape(), see there
  }

  /** etcd's fsync/commit/snapshot buckets: {@code firstNanos} doubling, {@code count} of them. */
  static Duration[] doubling(long firstNanos, int count) {
    Duration[] d = new Duration[count];
    for (int i = 0; i < d.length; i++) {
      d[i] = Duration.ofNanos(firstNanos << i);
    }
    return d;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public void leaderChanged() {
    leaderChanges.increment();
  }

  @Override
  public void proposalFailed() {
    proposalsFailed.increment();
  }

  @Override
  public void walFsync(long nanos) {
    walFsync.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void backendCommit(long nanos) {
    backendCommit.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void backendSnapshot(long nanos) {
    backendSnapshot.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void slowApply() {
    slowApplies.increment();
  }

  @Override
  public void kvApplied(int rangeOps, int putOps, int deleteOps, boolean txn) {
    if (rangeOps > 0) ranges.increment(rangeOps);
    if (putOps > 0) puts.increment(putOps);
    if (deleteOps > 0) deletes.increment(deleteOps);
    if (txn) txns.increment();
  }

  /** A Range served to a client (etcd counts every read of its mvcc store). */
  public void rangeServed() {
    ranges.increment();
  }

  @Override
  public void heartbeatSendFailed() {
    heartbeatFailures.increment();
  }

  @Override
  public void peerSendFailed(long to) {
    peers.sendFailed(to);
  }

  @Override
  public void peerSent(long to, long bytes) {
    peers.sent(to, bytes);
  }

  @Override
  public void peerReceived(long from, long bytes) {
    peers.received(from, bytes);
  }

  @Override
  public void peerRoundTrip(long to, long nanos) {
    peers.roundTrip(to, nanos);
  }

  /**
   * The exposition. etcd_debugging_mvcc_keys_total is written here: it is a gauge in etcd (keys come and go), and the
   * registry would neither keep a gauge's _total suffix nor let a counter go down.
   */
  public String scrape() {
    KeyCount keys = keyCount;
    MvccStore memory = memoryOf;
    if (memory != null) {
      try {
        storeMemory = memory.memory();
      } catch (MvccException closed) {
        // the member is stopping: the gauges keep their last reading, as a failed gauge would not fail the scrape
      }
    }
    String text = registry.scrape();
    if (keys == null) {
      return text;
    }
    return text + "# HELP etcd_debugging_mvcc_keys_total Total number of keys.\n"
        + "# TYPE etcd_debugging_mvcc_keys_total gauge\n"
        + "etcd_debugging_mvcc_keys_total " + (double) keys.get() + "\n";
  }

  /** The number of live keys: the store keeps it with every write, so a scrape costs nothing however large. */
  private static final class KeyCount {
    private final MvccStore store;

    KeyCount(MvccStore store) {
      this.store = store;
    }

    long get() {
      return store.liveKeyCount();
    }
  }
}
