package io.cairn.server.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** etcd 3.6's server flags, with etcd's defaults (data dir excepted: {@code ${name}.cairn}). */
final class FlagTable {
  private FlagTable() {}

  static final List<Flag> FLAGS = List.of(
      // member
      Flag.str("name", "default", "Human-readable name for this member."),
      Flag.str("data-dir", "${name}.cairn", "Path to the data directory."),
      Flag.str("wal-dir", "", "Path to the dedicated wal directory."),
      Flag.str("snapshot-count", "10000", "Number of committed transactions to trigger a snapshot to disk."),
      Flag.str("heartbeat-interval", "100", "Time (in milliseconds) of a heartbeat interval."),
      Flag.str("election-timeout", "1000", "Time (in milliseconds) for an election to timeout."),
      Flag.str("listen-peer-urls", "http://localhost:2380", "List of URLs to listen on for peer traffic."),
      Flag.str("listen-client-urls", "http://localhost:2379", "List of URLs to listen on for client grpc traffic and http as long as --listen-client-http-urls is not specified."),
      Flag.str("listen-client-http-urls", "", "List of URLs to listen on for http only client traffic."),
      Flag.str("listen-metrics-urls", "", "List of URLs to listen on for the metrics and health endpoints."),
      Flag.str("max-snapshots", "5", "Maximum number of snapshot files to retain (0 is unlimited)."),
      Flag.str("max-wals", "5", "Maximum number of wal files to retain (0 is unlimited)."),
      Flag.str("quota-backend-bytes", "0", "Raise alarms when backend size exceeds the given quota (0 defaults to low space quota)."),
      Flag.str("max-txn-ops", "128", "Maximum number of operations permitted in a transaction."),
      Flag.str("max-request-bytes", "1572864", "Maximum client request size in bytes the server will accept."),
      Flag.str("max-response-bytes", "0", "Cairn only: maximum size in bytes of the key-values in one Range or Txn response; larger ones fail with ResourceExhausted (0: gRPC's 2 GiB send limit or an eighth of the heap, whichever is smaller)."),
      Flag.str("max-concurrent-streams", "4294967295", "Maximum concurrent streams that each client can open at a time."),
      Flag.str("grpc-keepalive-min-time", "5s", "Minimum duration interval that a client should wait before pinging server."),
      Flag.str("grpc-keepalive-interval", "2h", "Frequency duration of server-to-client ping to check if a connection is alive (0 to disable)."),
      Flag.str("grpc-keepalive-timeout", "20s", "Additional duration of wait before closing a non-responsive connection (0 to disable)."),
      Flag.str("socket-reuse-port", "false", "Enable to set socket option SO_REUSEPORT on listeners allowing rebinding of a port already in use."),
      Flag.str("socket-reuse-address", "false", "Enable to set socket option SO_REUSEADDR on listeners allowing binding to an address in TIME_WAIT state."),
      // clustering
      Flag.str("initial-advertise-peer-urls", "http://localhost:2380", "List of this member's peer URLs to advertise to the rest of the cluster."),
      Flag.str("initial-cluster", "default=http://localhost:2380", "Initial cluster configuration for bootstrapping."),
      Flag.str("initial-cluster-state", "new", "Initial cluster state ('new' or 'existing')."),
      Flag.str("initial-cluster-token", "etcd-cluster", "Initial cluster token for the etcd cluster during bootstrap."),
      Flag.str("advertise-client-urls", "http://localhost:2379", "List of this member's client URLs to advertise to the public."),
      Flag.bool("strict-reconfig-check", true, "Reject reconfiguration requests that would cause quorum loss."),
      Flag.bool("initial-election-tick-advance", true, "Whether to fast-forward initial election ticks on boot for faster election."),
      Flag.bool("pre-vote", true, "Enable the raft Pre-Vote algorithm to prevent disruption when a node that has been partitioned away rejoins the cluster."),
      Flag.str("auto-compaction-retention", "0", "Auto compaction retention for mvcc key value store. 0 means disable auto compaction."),
      Flag.str("auto-compaction-mode", "periodic", "Interpret 'auto-compaction-retention' one of: periodic|revision."),
      Flag.bool("enable-grpc-gateway", true, "Enable GRPC gateway."),
      Flag.str("cors", "*", "Comma-separated white list of origins for CORS, or cross-origin resource sharing, (empty or * means allow all)."),
      Flag.str("host-whitelist", "*", "Acceptable hostnames from HTTP client requests, if server is not secure (empty means allow all)."),
      // auth
      Flag.str("auth-token", "simple", "Specify a v3 authentication token type and its options ('simple' or 'jwt')."),
      Flag.str("auth-token-ttl", "300", "The lifetime in seconds of the auth token."),
      Flag.str("bcrypt-cost", "10", "Specify the cost / strength of the bcrypt algorithm for hashing auth passwords. Valid values are between 4 and 31."),
      // logging and profiling
      Flag.str("logger", "zap", "Currently only supports 'zap' for structured logging."),
      Flag.str("log-outputs", "default", "Specify 'stdout' or 'stderr' to skip journald logging even when running under systemd."),
      Flag.str("log-level", "info", "Configures log level. Only supports debug, info, warn, error, panic, or fatal."),
      Flag.str("log-format", "json", "Configures log format. Only supports json, console."),
      Flag.str("warning-apply-duration", "100ms", "Time duration after which a warning is generated if request takes more time."),
      Flag.str("experimental-warning-apply-duration", "", "Deprecated alias of --warning-apply-duration."),
      Flag.bool("enable-pprof", false, "Enable runtime profiling data via HTTP server."),
      Flag.str("metrics", "basic", "Set level of detail for exported metrics, specify 'extensive' to include server side grpc histogram metrics."),
      Flag.str("watch-progress-notify-interval", "10m", "Duration of periodic watch progress notifications."),
      Flag.str("snapshot-catchup-entries", "5000", "Number of entries for a slow follower to catch-up after compacting the raft storage entries."),
      Flag.str("experimental-snapshot-catchup-entries", "", "Deprecated alias of --snapshot-catchup-entries."),
      Flag.str("experimental-watch-progress-notify-interval", "", "Deprecated alias of --watch-progress-notify-interval."),
      Flag.str("feature-gates", "", "A set of key=value pairs that describe server level feature gates. Cairn reads CompactHashCheck, InitialCorruptCheck, LeaseCheckpoint (etcd 3.6), FastLeaseKeepAlive (3.7, default true) and AutoPromoteLearners=true|false (default false; Cairn extension of etcd 3.8's design: the leader promotes a learner once it has caught up)."),
      Flag.bool("experimental-enable-lease-checkpoint", false, "Enable leader to send regular checkpoints to other members to prevent reset of remaining TTL on leader change."),
      Flag.bool("experimental-initial-corrupt-check", false, "Enable to check data corruption before serving any client/peer traffic."),
      Flag.str("experimental-corrupt-check-time", "0s", "Duration of time between cluster corruption check passes. Deprecated in v3.6 and will be decommissioned in v3.7. Use --corrupt-check-time instead"),
      Flag.str("corrupt-check-time", "0s", "Duration of time between cluster corruption check passes."),
      // etcd 3.6's compaction hash check; also feature gate CompactHashCheck=true
      Flag.bool("experimental-compact-hash-check-enabled", false, "Enable leader to periodically check followers compaction hashes."),
      Flag.str("experimental-compact-hash-check-time", "1m0s", "Duration of time between leader checks followers compaction hashes."),
      Flag.str("compact-hash-check-time", "1m0s", "Duration of time between leader checks followers compaction hashes."),
      Flag.bool("unsafe-no-fsync", false, "Disables fsync, unsafe, will cause data loss."),
      // not supported yet: accepted, refused when set
      Flag.unsupported("force-new-cluster", "false", true, "Force to create a new one member cluster."),
      Flag.unsupported("config-file", "", false, "Path to the server configuration file."),
      // security (TLS; see docs/security.md)
      Flag.str("cert-file", "", "Path to the client server TLS cert file."),
      Flag.str("key-file", "", "Path to the client server TLS key file."),
      Flag.bool("client-cert-auth", false, "Enable client cert authentication."),
      Flag.str("client-crl-file", "", "Path to the client certificate revocation list file."),
      Flag.str("client-cert-allowed-hostname", "", "Allowed TLS hostname for client cert authentication."),
      Flag.str("trusted-ca-file", "", "Path to the client server TLS trusted CA cert file."),
      Flag.bool("auto-tls", false, "Client TLS using generated certificates."),
      Flag.str("peer-cert-file", "", "Path to the peer server TLS cert file."),
      Flag.str("peer-key-file", "", "Path to the peer server TLS key file."),
      Flag.bool("peer-client-cert-auth", false, "Enable peer client cert authentication."),
      Flag.str("peer-trusted-ca-file", "", "Path to the peer server TLS trusted CA file."),
      Flag.str("peer-cert-allowed-cn", "", "Required CN for client certs connecting to the peer endpoint."),
      Flag.str("peer-cert-allowed-hostname", "", "Allowed TLS hostname for inter peer authentication."),
      Flag.bool("peer-auto-tls", false, "Peer TLS using self-generated certificates if --peer-key-file and --peer-cert-file are not provided."),
      Flag.str("peer-crl-file", "", "Path to the peer certificate revocation list file."),
      Flag.str("cipher-suites", "", "Comma-separated list of supported TLS cipher suites between client/server and peers (empty will be auto-populated by Go)."),
      Flag.str("tls-min-version", "TLS1.2", "Minimum TLS version supported by etcd. Possible values: TLS1.2, TLS1.3."),
      Flag.str("tls-max-version", "", "Maximum TLS version supported by etcd. Possible values: TLS1.2, TLS1.3 (empty defers to Go)."),
      Flag.unsupported("discovery", "", false, "Discovery URL used to bootstrap the cluster."),
      Flag.unsupported("discovery-srv", "", false, "DNS srv domain used to bootstrap the cluster."),
      Flag.unsupported("discovery-token", "", false, "V3 discovery: discovery token for the etcd cluster to be bootstrapped."),
      Flag.unsupported("discovery-endpoints", "", false, "V3 discovery: List of gRPC endpoints of the discovery service."));

  static Map<String, Flag> byName() {
    Map<String, Flag> m = new LinkedHashMap<>();
    for (Flag f : FLAGS) {
      m.put(f.name(), f);
    }
    return m;
  }
}
