package io.cairn.server.config;

import io.cairn.server.tls.TlsInfo;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The member's settings, typed and validated from etcd's flags. */
public final class ServerConfig {
  public final String name;
  public final Path dataDir;
  public final List<URI> listenClientUrls;
  public final List<URI> listenClientHttpUrls;
  public final List<URI> listenMetricsUrls;
  public final List<URI> advertiseClientUrls;
  public final List<URI> listenPeerUrls;
  public final List<URI> initialAdvertisePeerUrls;
  /** Member name to its peer URLs, in the order given. */
  public final Map<String, List<URI>> initialCluster;
  public final String initialClusterState;
  public final String initialClusterToken;
  public final long snapshotCount;
  /** etcd's --snapshot-catchup-entries: raft entries kept behind each snapshot for followers a little behind. */
  public final long snapshotCatchupEntries;
  public final long heartbeatIntervalMs;
  public final long electionTimeoutMs;
  public final long quotaBackendBytes;
  public final int maxTxnOps;
  public final int maxRequestBytes;
  /** Cairn's --max-response-bytes; 0 means the store's default. */
  public final long maxResponseBytes;
  public final long maxConcurrentStreams;
  public final Duration grpcKeepaliveMinTime;
  public final Duration grpcKeepaliveInterval;
  public final Duration grpcKeepaliveTimeout;
  public final boolean enableGrpcGateway;
  public final String autoCompactionMode;
  public final String autoCompactionRetention;
  /** The retention as etcd parses it: periodic, nanoseconds; revision, revisions; 0, off. */
  public final long autoCompactionRetentionValue;
  public final Duration watchProgressNotifyInterval;
  public final String logLevel;
  /** --logger, --log-outputs, --log-level, --log-format, checked as etcd checks them. */
  public final io.cairn.server.logging.LogSettings logs;
  /** --warning-apply-duration (3.5: --experimental-warning-apply-duration, which wins when set). */
  public final Duration warningApplyDuration;
  public final boolean unsafeNoFsync;
  public final int maxSnapshots;
  public final boolean preVote;
  /** etcd's --initial-election-tick-advance: the first election after a start need not wait a whole timeout. */
  public final boolean initialElectionTickAdvance;
  public final boolean strictReconfigCheck;
  public final String cors;
  public final String hostWhitelist;
  /** {@code --metrics extensive} adds grpc_server_handling_seconds, as in etcd. */
  public final boolean extensiveMetrics;
  /** Lease checkpointing: {@code --experimental-enable-lease-checkpoint} or feature gate {@code LeaseCheckpoint=true}. */
  public final boolean leaseCheckpoint;
  /** etcd 3.7's {@code FastLeaseKeepAlive} gate, on unless {@code --feature-gates=FastLeaseKeepAlive=false}. */
  public final boolean fastLeaseKeepAlive;
  /** {@code --experimental-initial-corrupt-check} or feature gate {@code InitialCorruptCheck=true}. */
  public final boolean initialCorruptCheck;
  /** etcd 3.6's compaction hash check: {@code --experimental-compact-hash-check-enabled} or {@code CompactHashCheck=true}. */
  public final boolean compactHashCheck;
  /** Feature gate {@code AutoPromoteLearners=true} (etcd 3.8's design): the leader promotes caught-up learners. */
  public final boolean autoPromoteLearners;
  /** {@code --compact-hash-check-time} (3.5: {@code --experimental-compact-hash-check-time}); default 1 minute. */
  public final Duration compactHashCheckTime;
  /** {@code --corrupt-check-time} (3.5: {@code --experimental-corrupt-check-time}, which wins when set); 0: off. */
  public final Duration corruptCheckTime;
  /** --cert-file, --key-file, --trusted-ca-file, --client-cert-auth, --client-crl-file, --client-cert-allowed-hostname, --auto-tls. */
  public final TlsInfo clientTls;
  /** The --peer-* equivalents. */
  public final TlsInfo peerTls;
  /** Go's cipher suite names; checked when TLS is set up. */
  public final String cipherSuites;
  public final String tlsMinVersion;
  public final String tlsMaxVersion;
  /** --auth-token (simple or jwt,…), --auth-token-ttl, --bcrypt-cost, with --client-cert-auth (CN as user). */
  public final io.cairn.server.auth.AuthSettings auth;

  private ServerConfig(Map<String, String> v) throws FlagException {
    name = v.get("name");
    dataDir = Path.of(v.get("data-dir"));
    listenClientUrls = urls("listen-client-urls", v.get("listen-client-urls"));
    listenClientHttpUrls = urls("listen-client-http-urls", v.get("listen-client-http-urls"));
    listenMetricsUrls = urls("listen-metrics-urls", v.get("listen-metrics-urls"));
    advertiseClientUrls = urls("advertise-client-urls", v.get("advertise-client-urls"));
    listenPeerUrls = urls("listen-peer-urls", v.get("listen-peer-urls"));
    initialAdvertisePeerUrls = urls("initial-advertise-peer-urls", v.get("initial-advertise-peer-urls"));
    initialCluster = parseInitialCluster(v.get("initial-cluster"));
    initialClusterState = v.get("initial-cluster-state");
    if (!initialClusterState.equals("new") && !initialClusterState.equals("existing")) {
      throw new FlagException("invalid value \"" + initialClusterState
          + "\" for flag -initial-cluster-state: invalid value \"" + initialClusterState
          + "\" (valid values are \"new\" or \"existing\")");
    }
    initialClusterToken = v.get("initial-cluster-token");
    snapshotCount = num("snapshot-count", v);
    snapshotCatchupEntries = num("snapshot-catchup-entries", v);
    heartbeatIntervalMs = num("heartbeat-interval", v);
    electionTimeoutMs = num("election-timeout", v);
    if (electionTimeoutMs < 5 * heartbeatIntervalMs) {
      throw new FlagException("--election-timeout[" + electionTimeoutMs
          + "ms] should be at least as 5 times as --heartbeat-interval[" + heartbeatIntervalMs + "ms]");
    }
    quotaBackendBytes = num("quota-backend-bytes", v);
    maxTxnOps = (int) num("max-txn-ops", v);
    maxRequestBytes = (int) Math.min(Integer.MAX_VALUE - (1 << 20), num("max-request-bytes", v));
    maxResponseBytes = num("max-response-bytes", v);
    maxConcurrentStreams = num("max-concurrent-streams", v);
    grpcKeepaliveMinTime = GoDuration.parse("grpc-keepalive-min-time", v.get("grpc-keepalive-min-time"));
    grpcKeepaliveInterval = GoDuration.parse("grpc-keepalive-interval", v.get("grpc-keepalive-interval"));
    grpcKeepaliveTimeout = GoDuration.parse("grpc-keepalive-timeout", v.get("grpc-keepalive-timeout"));
    enableGrpcGateway = Boolean.parseBoolean(v.get("enable-grpc-gateway"));
    autoCompactionMode = v.get("auto-compaction-mode");
    if (!autoCompactionMode.equals("periodic") && !autoCompactionMode.equals("revision")) {
      throw new FlagException("unknown auto-compaction-mode \"" + autoCompactionMode + "\"");
    }
    autoCompactionRetention = v.get("auto-compaction-retention");
    autoCompactionRetentionValue = CompactionRetention.parse(autoCompactionMode, autoCompactionRetention);
    watchProgressNotifyInterval = GoDuration.parse("watch-progress-notify-interval",
        v.get("watch-progress-notify-interval"));
    logLevel = v.get("log-level");
    logs = io.cairn.server.logging.LogSettings.parse(v.get("logger"), v.get("log-outputs"), logLevel,
        v.get("log-format"));
    String experimentalApply = v.get("experimental-warning-apply-duration");
    warningApplyDuration = GoDuration.parse("warning-apply-duration", experimentalApply != null
        && !experimentalApply.isEmpty() ? experimentalApply : v.get("warning-apply-duration"));
    unsafeNoFsync = Boolean.parseBoolean(v.get("unsafe-no-fsync"));
    maxSnapshots = (int) num("max-snapshots", v);
    preVote = Boolean.parseBoolean(v.get("pre-vote"));
    initialElectionTickAdvance = Boolean.parseBoolean(v.get("initial-election-tick-advance"));
    strictReconfigCheck = Boolean.parseBoolean(v.get("strict-reconfig-check"));
    cors = v.get("cors");
    hostWhitelist = v.get("host-whitelist");
    extensiveMetrics = "extensive".equals(v.get("metrics"));
    leaseCheckpoint = Boolean.parseBoolean(v.get("experimental-enable-lease-checkpoint"))
        || featureGate(v.get("feature-gates"), "LeaseCheckpoint");
    fastLeaseKeepAlive = featureGate(v.get("feature-gates"), "FastLeaseKeepAlive", true);
    initialCorruptCheck = Boolean.parseBoolean(v.get("experimental-initial-corrupt-check"))
        || featureGate(v.get("feature-gates"), "InitialCorruptCheck");
    compactHashCheck = Boolean.parseBoolean(v.get("experimental-compact-hash-check-enabled"))
        || featureGate(v.get("feature-gates"), "CompactHashCheck");
    autoPromoteLearners = featureGate(v.get("feature-gates"), "AutoPromoteLearners");
    // the 3.5 spelling wins when it is set away from its default, as an explicitly set one does in etcd 3.6
    String experimentalHashTime = v.get("experimental-compact-hash-check-time");
    compactHashCheckTime = GoDuration.parse("compact-hash-check-time", GoDuration.parse(
        "experimental-compact-hash-check-time", experimentalHashTime).equals(Duration.ofMinutes(1))
            ? v.get("compact-hash-check-time") : experimentalHashTime);
    if (compactHashCheck && (compactHashCheckTime.isZero() || compactHashCheckTime.isNegative())) {
      throw new FlagException("--compact-hash-check-time must be >0 (set to " + v.get("compact-hash-check-time")
          + ")");
    }
    Duration experimentalCheck = GoDuration.parse("experimental-corrupt-check-time",
        v.get("experimental-corrupt-check-time"));
    corruptCheckTime = !experimentalCheck.isZero() ? experimentalCheck
        : GoDuration.parse("corrupt-check-time", v.get("corrupt-check-time"));
    clientTls = new TlsInfo(v.get("cert-file"), v.get("key-file"), v.get("trusted-ca-file"),
        Boolean.parseBoolean(v.get("client-cert-auth")), v.get("client-crl-file"), "",
        v.get("client-cert-allowed-hostname"), Boolean.parseBoolean(v.get("auto-tls")));
    peerTls = new TlsInfo(v.get("peer-cert-file"), v.get("peer-key-file"), v.get("peer-trusted-ca-file"),
        Boolean.parseBoolean(v.get("peer-client-cert-auth")), v.get("peer-crl-file"), v.get("peer-cert-allowed-cn"),
        v.get("peer-cert-allowed-hostname"), Boolean.parseBoolean(v.get("peer-auto-tls")));
    cipherSuites = v.get("cipher-suites");
    tlsMinVersion = v.get("tls-min-version");
    tlsMaxVersion = v.get("tls-max-version");
    auth = io.cairn.server.auth.AuthSettings.fromFlags(v.get("auth-token"), num("auth-token-ttl", v),
        (int) num("bcrypt-cost", v), clientTls.clientCertAuth(), System::currentTimeMillis);
    if (!initialCluster.containsKey(name)) {
      throw new FlagException("couldn't find local name \"" + name + "\" in the initial cluster configuration");
    }
  }

  public static ServerConfig from(Map<String, String> values) throws FlagException {
    return new ServerConfig(values);
  }

  /** Whether {@code gate=true} is in etcd's comma-separated {@code --feature-gates} list. */
  static boolean featureGate(String gates, String gate) {
    return featureGate(gates, gate, false);
  }

  /** The gate's value in etcd's comma-separated {@code --feature-gates} list, or its default when absent. */
  static boolean featureGate(String gates, String gate, boolean byDefault) {
    if (gates == null) {
      return byDefault;
    }
    for (String part : gates.split(",")) {
      String[] kv = part.split("=", 2);
      if (kv.length == 2 && kv[0].trim().equals(gate)) {
        return Boolean.parseBoolean(kv[1].trim());
      }
    }
    return byDefault;
  }

  private static long num(String flag, Map<String, String> v) throws FlagException {
    String s = v.get(flag).trim();
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new FlagException("invalid value \"" + s + "\" for flag -" + flag + ": parse error");
    }
  }

  static List<URI> urls(String flag, String list) throws FlagException {
    List<URI> out = new ArrayList<>();
    if (list == null || list.isBlank()) {
      return out;
    }
    for (String raw : list.split(",")) {
      String s = raw.trim();
      URI u;
      try {
        u = new URI(s);
      } catch (Exception e) {
        throw new FlagException("invalid value \"" + list + "\" for flag -" + flag + ": " + e.getMessage());
      }
      if (u.getScheme() == null || u.getHost() == null || u.getPort() < 0) {
        throw new FlagException("invalid value \"" + list + "\" for flag -" + flag
            + ": URL address does not have the form \"host:port\": " + s);
      }
      if (!u.getScheme().equals("http") && !u.getScheme().equals("https")) {
        if (u.getScheme().equals("unix") || u.getScheme().equals("unixs")) {
          throw new FlagException("--" + flag + ": scheme " + u.getScheme() + " is not supported by cairn yet: " + s);
        }
        throw new FlagException("invalid value \"" + list + "\" for flag -" + flag
            + ": URL scheme must be http, https, unix, or unixs: " + s);
      }
      out.add(u);
    }
    return out;
  }

  private static Map<String, List<URI>> parseInitialCluster(String s) throws FlagException {
    Map<String, List<URI>> m = new LinkedHashMap<>();
    for (String part : s.split(",")) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new FlagException("invalid value \"" + s + "\" for flag -initial-cluster");
      }
      String n = part.substring(0, eq).trim();
      m.computeIfAbsent(n, k -> new ArrayList<>()).addAll(urls("initial-cluster", part.substring(eq + 1)));
    }
    return m;
  }
}
