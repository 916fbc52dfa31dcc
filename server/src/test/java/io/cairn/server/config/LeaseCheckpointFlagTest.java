package io.cairn.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Lease checkpointing is on with etcd 3.5's flag or 3.6's feature gate, off by default. */
class LeaseCheckpointFlagTest {
  static ServerConfig config(Map<String, String> env, String... args) throws FlagException {
    return ServerConfig.from(FlagParser.parse(args, env, w -> { }).values());
  }

  @Test
  void offByDefaultOnWithTheFlagOrTheFeatureGate() throws Exception {
    assertThat(config(Map.of()).leaseCheckpoint).isFalse();
    assertThat(config(Map.of(), "--experimental-enable-lease-checkpoint").leaseCheckpoint).isTrue();
    assertThat(config(Map.of(), "--feature-gates=LeaseCheckpoint=true").leaseCheckpoint).isTrue();
    assertThat(config(Map.of(), "--feature-gates", "StopGRPCServiceOnDefrag=true,LeaseCheckpoint=true")
        .leaseCheckpoint).isTrue();
    assertThat(config(Map.of(), "--feature-gates=LeaseCheckpoint=false").leaseCheckpoint).isFalse();
    assertThat(config(Map.of("ETCD_EXPERIMENTAL_ENABLE_LEASE_CHECKPOINT", "true")).leaseCheckpoint).isTrue();
  }

  @Test
  void fastKeepAlivesAreOnUnlessTheFeatureGateTurnsThemOff() throws Exception {
    assertThat(config(Map.of()).fastLeaseKeepAlive).isTrue();
    assertThat(config(Map.of(), "--feature-gates=FastLeaseKeepAlive=false").fastLeaseKeepAlive).isFalse();
    assertThat(config(Map.of(), "--feature-gates=LeaseCheckpoint=true").fastLeaseKeepAlive).isTrue();
    assertThat(config(Map.of("ETCD_FEATURE_GATES", "FastLeaseKeepAlive=false")).fastLeaseKeepAlive).isFalse();
  }
}
