package io.cairn.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** --auto-compaction-* parsed as etcd's parseCompactionRetention does; the corruption check flags of 3.4 to 3.6. */
class OperationsFlagsTest {
  static ServerConfig config(String... args) throws FlagException {
    return ServerConfig.from(FlagParser.parse(args, Map.of(), w -> { }).values());
  }

  static long retention(String mode, String value) throws FlagException {
    return config("--auto-compaction-mode", mode, "--auto-compaction-retention", value).autoCompactionRetentionValue;
  }

  @Test
  void periodicRetentionIsADurationOrBareHours() throws Exception {
    assertThat(config().autoCompactionRetentionValue).isZero(); // default "0": off
    assertThat(retention("periodic", "1")).isEqualTo(Duration.ofHours(1).toNanos());
    assertThat(retention("periodic", "72")).isEqualTo(Duration.ofHours(72).toNanos());
    assertThat(retention("periodic", "30m")).isEqualTo(Duration.ofMinutes(30).toNanos());
    assertThat(retention("periodic", "1h30m")).isEqualTo(Duration.ofMinutes(90).toNanos());
    assertThat(retention("periodic", "5s")).isEqualTo(Duration.ofSeconds(5).toNanos());
  }

  @Test
  void revisionRetentionIsACountAndADurationIsTakenAsNanosecondsAsEtcdDoes() throws Exception {
    assertThat(retention("revision", "1000")).isEqualTo(1000);
    assertThat(retention("revision", "0")).isZero();
    assertThat(retention("revision", "1h")).isEqualTo(3_600_000_000_000L);
  }

  @Test
  void badValuesAreRefusedWithEtcdsMessages() {
    assertThatThrownBy(() -> retention("periodic", "abc"))
        .hasMessage("error parsing CompactionRetention: time: invalid duration \"abc\"");
    assertThatThrownBy(() -> retention("periodic", "-5"))
        .hasMessageStartingWith("error parsing CompactionRetention");
    assertThatThrownBy(() -> config("--auto-compaction-mode", "hourly"))
        .hasMessage("unknown auto-compaction-mode \"hourly\"");
  }

  @Test
  void corruptionCheckFlagsOf34And36() throws Exception {
    assertThat(config().initialCorruptCheck).isFalse();
    assertThat(config().corruptCheckTime).isZero();
    assertThat(config("--experimental-initial-corrupt-check").initialCorruptCheck).isTrue();
    assertThat(config("--feature-gates=InitialCorruptCheck=true").initialCorruptCheck).isTrue();
    assertThat(config("--experimental-corrupt-check-time", "3m").corruptCheckTime).isEqualTo(Duration.ofMinutes(3));
    assertThat(config("--corrupt-check-time=10s").corruptCheckTime).isEqualTo(Duration.ofSeconds(10));
    // 3.6: the deprecated spelling, when set, wins
    assertThat(config("--corrupt-check-time=10s", "--experimental-corrupt-check-time=20s").corruptCheckTime)
        .isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void theCompactionHashCheckFlagsAreEtcds() throws Exception {
    assertThat(config().compactHashCheck).isFalse();
    assertThat(config().compactHashCheckTime).isEqualTo(Duration.ofMinutes(1));
    assertThat(config("--feature-gates=CompactHashCheck=true").compactHashCheck).isTrue();
    assertThat(config("--experimental-compact-hash-check-enabled").compactHashCheck).isTrue();
    assertThat(config("--compact-hash-check-time=5s").compactHashCheckTime).isEqualTo(Duration.ofSeconds(5));
    assertThat(config("--compact-hash-check-time=5s", "--experimental-compact-hash-check-time=7s")
        .compactHashCheckTime).isEqualTo(Duration.ofSeconds(7));
    assertThatThrownBy(() -> config("--experimental-compact-hash-check-enabled", "--compact-hash-check-time=0s"))
        .hasMessage("--compact-hash-check-time must be >0 (set to 0s)");
  }
}
