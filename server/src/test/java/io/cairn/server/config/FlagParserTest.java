package io.cairn.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlagParserTest {
  private final List<String> warnings = new ArrayList<>();

  private FlagParser.Parsed parse(Map<String, String> env, String... args) throws FlagException {
    return FlagParser.parse(args, env, warnings::add);
  }

  @Test
  void defaultsAreEtcdsWithACairnDataDir() throws Exception {
    ServerConfig c = ServerConfig.from(parse(Map.of()).values());
    assertThat(c.name).isEqualTo("default");
    assertThat(c.dataDir.toString()).isEqualTo("default.cairn");
    assertThat(c.listenClientUrls).extracting(Object::toString).containsExactly("http://localhost:2379");
    assertThat(c.initialCluster).containsOnlyKeys("default");
    assertThat(c.maxRequestBytes).isEqualTo(1572864);
    assertThat(c.maxTxnOps).isEqualTo(128);
    assertThat(c.snapshotCount).isEqualTo(10000);
    assertThat(c.grpcKeepaliveMinTime.toSeconds()).isEqualTo(5);
    assertThat(c.watchProgressNotifyInterval.toMinutes()).isEqualTo(10);
  }

  @Test
  void initialElectionTickAdvanceIsOnByDefaultAndCanBeTurnedOffByFlagOrEnvironment() throws Exception {
    assertThat(ServerConfig.from(parse(Map.of()).values()).initialElectionTickAdvance).isTrue();
    assertThat(ServerConfig.from(parse(Map.of(), "--initial-election-tick-advance=false").values())
        .initialElectionTickAdvance).isFalse();
    assertThat(ServerConfig.from(parse(Map.of("ETCD_INITIAL_ELECTION_TICK_ADVANCE", "false")).values())
        .initialElectionTickAdvance).isFalse();
  }

  @Test
  void goFlagSyntaxes() throws Exception {
    var p = parse(Map.of(), "-name", "n1", "--data-dir=/tmp/x", "--pre-vote=false", "--enable-pprof",
        "-max-txn-ops=7");
    assertThat(p.values()).containsEntry("name", "n1").containsEntry("data-dir", "/tmp/x")
        .containsEntry("pre-vote", "false").containsEntry("enable-pprof", "true").containsEntry("max-txn-ops", "7");
  }

  @Test
  void renamedMemberBootstrapsAsItself() throws Exception {
    var p = parse(Map.of(), "--name", "infra1", "--initial-advertise-peer-urls", "http://127.0.0.1:12380");
    assertThat(p.values()).containsEntry("initial-cluster", "infra1=http://127.0.0.1:12380")
        .containsEntry("data-dir", "infra1.cairn");
  }

  @Test
  void unknownFlagFailsClearly() {
    assertThatThrownBy(() -> parse(Map.of(), "--no-such-flag", "1"))
        .hasMessage("flag provided but not defined: -no-such-flag");
    assertThatThrownBy(() -> parse(Map.of(), "stray")).hasMessage("'stray' is not a valid flag");
    assertThatThrownBy(() -> parse(Map.of(), "--name")).hasMessage("flag needs an argument: -name");
    assertThatThrownBy(() -> parse(Map.of(), "--pre-vote=maybe"))
        .hasMessage("invalid boolean value \"maybe\" for -pre-vote: parse error");
  }

  @Test
  void environmentVariablesAreFlags() throws Exception {
    var p = parse(Map.of("ETCD_NAME", "env1", "ETCD_MAX_TXN_OPS", "9", "ETCD_BOGUS", "x", "PATH", "/bin"));
    assertThat(p.values()).containsEntry("name", "env1").containsEntry("max-txn-ops", "9");
    assertThat(warnings).containsExactly("unrecognized environment variable ETCD_BOGUS=x");
  }

  @Test
  void environmentShadowedByFlagIsFatal() {
    assertThatThrownBy(() -> parse(Map.of("ETCD_NAME", "a"), "--name", "b"))
        .hasMessageContaining("conflicting environment variable \"ETCD_NAME\" is shadowed by corresponding command-line flag");
  }

  @Test
  void unsupportedFeaturesAreRefusedNotIgnored() {
    assertThatThrownBy(() -> parse(Map.of(), "--discovery", "https://discovery.example"))
        .hasMessage("--discovery is not supported by cairn yet");
    assertThatThrownBy(() -> ServerConfig.from(parse(Map.of(), "--listen-client-urls", "unixs://x:1").values()))
        .hasMessageContaining("scheme unixs is not supported");
  }

  @Test
  void tlsFlagsAndTheirEnvironmentVariablesReachTheConfig() throws Exception {
    ServerConfig cfg = ServerConfig.from(parse(Map.of("ETCD_PEER_CERT_ALLOWED_CN", "peer", "ETCD_AUTO_TLS", "true"),
        "--cert-file", "/c.pem", "--key-file=/k.pem", "--client-cert-auth", "--peer-trusted-ca-file", "/ca.pem",
        "--listen-client-urls", "https://127.0.0.1:1", "--tls-max-version", "TLS1.3").values());
    assertThat(cfg.clientTls.certFile()).isEqualTo("/c.pem");
    assertThat(cfg.clientTls.keyFile()).isEqualTo("/k.pem");
    assertThat(cfg.clientTls.clientCertAuth()).isTrue();
    assertThat(cfg.clientTls.autoTls()).isTrue();
    assertThat(cfg.peerTls.trustedCaFile()).isEqualTo("/ca.pem");
    assertThat(cfg.peerTls.allowedCn()).isEqualTo("peer");
    assertThat(cfg.listenClientUrls.get(0).getScheme()).isEqualTo("https");
    assertThat(cfg.tlsMaxVersion).isEqualTo("TLS1.3");
  }

  @Test
  void invalidValuesAreRejected() {
    assertThatThrownBy(() -> ServerConfig.from(parse(Map.of(), "--initial-cluster-state", "old").values()))
        .hasMessageContaining("initial-cluster-state");
    assertThatThrownBy(() -> ServerConfig.from(parse(Map.of(), "--election-timeout", "100").values()))
        .hasMessageContaining("should be at least as 5 times as --heartbeat-interval");
    assertThatThrownBy(() -> ServerConfig.from(parse(Map.of(), "--grpc-keepalive-min-time", "5 parsecs").values()))
        .hasMessageContaining("grpc-keepalive-min-time");
    assertThatThrownBy(() -> ServerConfig.from(parse(Map.of(), "--name", "x", "--initial-cluster", "y=http://127.0.0.1:1").values()))
        .hasMessageContaining("couldn't find local name \"x\"");
  }

  @Test
  void goDurations() throws Exception {
    assertThat(GoDuration.parse("f", "1h30m").toMinutes()).isEqualTo(90);
    assertThat(GoDuration.parse("f", "100ms").toMillis()).isEqualTo(100);
    assertThat(GoDuration.parse("f", "1.5s").toMillis()).isEqualTo(1500);
    assertThat(GoDuration.parse("f", "0").isZero()).isTrue();
    assertThatThrownBy(() -> GoDuration.parse("f", "10")).isInstanceOf(FlagException.class);
  }
}
