package io.cairn.server.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.server.config.FlagException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogSettingsTest {
  @Test
  void defaultsAreZapJsonInfoOnStderr() throws Exception {
    LogSettings s = LogSettings.parse("zap", "default", "info", "json");
    assertThat(s).isEqualTo(LogSettings.DEFAULTS);
  }

  @Test
  void outputsAreDeduplicatedAndSortedAsEtcdsFlagParserLeavesThem() throws Exception {
    assertThat(LogSettings.parse("zap", "stdout,stderr,stdout,/tmp/x.log", "info", "json").outputs())
        .containsExactly("/tmp/x.log", "stderr", "stdout");
    assertThat(LogSettings.parse("zap", "", "info", "json").outputs()).containsExactly("stderr");
    assertThat(LogSettings.parse("zap", "/dev/null,stderr", "info", "json").outputs()).containsExactly("/dev/null");
  }

  @Test
  void defaultWithOtherOutputsIsRefusedWithEtcdsMessage() {
    assertThatThrownBy(() -> LogSettings.parse("zap", "default,stderr", "info", "json"))
        .isInstanceOf(FlagException.class).hasMessage("multi logoutput for \"default\" is not supported yet");
  }

  @Test
  void levelsAreEtcdsSixAndNothingElse() throws Exception {
    for (String l : List.of("debug", "info", "warn", "error", "panic", "fatal")) {
      assertThat(LogSettings.parse("zap", "default", l, "json").level().text()).isEqualTo(l);
    }
    assertThatThrownBy(() -> LogSettings.parse("zap", "default", "bogus", "json"))
        .isInstanceOf(FlagException.class).hasMessage("unknown level \"bogus\"");
    assertThatThrownBy(() -> LogSettings.parse("zap", "default", "DEBUG", "json"))
        .hasMessage("unknown level \"DEBUG\"");
  }

  @Test
  void formatsAndLoggersAreCheckedWithEtcdsMessages() throws Exception {
    assertThat(LogSettings.parse("zap", "default", "info", "console").console()).isTrue();
    assertThatThrownBy(() -> LogSettings.parse("zap", "default", "info", "xml"))
        .hasMessage("unknown log format: xml, supported values json, console");
    assertThatThrownBy(() -> LogSettings.parse("foo", "default", "info", "json"))
        .hasMessage("unknown logger option \"foo\"");
    assertThatThrownBy(() -> LogSettings.parse("capnslog", "default", "info", "json"))
        .hasMessage("--logger=capnslog is removed in v3.5");
  }

  @Test
  void etcdsCheckOrderIsLoggerThenOutputsThenLevelThenFormat() {
    assertThatThrownBy(() -> LogSettings.parse("foo", "default,stderr", "bogus", "xml")).hasMessageContaining("logger");
    assertThatThrownBy(() -> LogSettings.parse("zap", "default,stderr", "bogus", "xml")).hasMessageContaining("multi");
    assertThatThrownBy(() -> LogSettings.parse("zap", "stderr", "bogus", "xml")).hasMessageContaining("level");
  }

  @Test
  void anOutputFileThatCannotBeOpenedIsRefusedAsZapWordsIt(@TempDir Path dir) {
    String missing = dir.resolve("no/such/dir/x.log").toString();
    assertThatThrownBy(() -> LogSetup.install(LogSettings.parse("zap", missing, "info", "json")))
        .isInstanceOf(FlagException.class)
        .hasMessage("open sink \"" + missing + "\": open " + missing + ": no such file or directory");
  }

  @Test
  void installWritesJsonLinesToTheFile(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("member.log");
    try {
      LogSetup.install(LogSettings.parse("zap", f.toString(), "warn", "json"));
      org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LogSettingsTest.class);
      log.info("below the level");
      log.atWarn().addKeyValue("k", "v").log("kept");
      org.slf4j.LoggerFactory.getLogger("io.grpc.Something").info("grpc info is held back");
      List<String> lines = Files.readAllLines(f);
      assertThat(lines).hasSize(1);
      assertThat(lines.get(0)).startsWith("{\"level\":\"warn\",").contains("\"caller\":\"logging/LogSettingsTest.java:")
          .endsWith("\"msg\":\"kept\",\"k\":\"v\"}");
    } finally {
      LogSetup.install(LogSettings.DEFAULTS);
    }
  }

  private static io.cairn.server.config.ServerConfig config(String... args) throws FlagException {
    return io.cairn.server.config.ServerConfig.from(
        io.cairn.server.config.FlagParser.parse(args, java.util.Map.of(), w -> { }).values());
  }

  @Test
  void theMembersFlagsCarryTheLoggingSettingsAndTheApplyWarningDuration() throws Exception {
    io.cairn.server.config.ServerConfig c = config();
    assertThat(c.logs).isEqualTo(LogSettings.DEFAULTS);
    assertThat(c.warningApplyDuration).isEqualTo(java.time.Duration.ofMillis(100));
    c = config("--log-level", "debug", "--log-format", "console", "--log-outputs", "stdout",
        "--warning-apply-duration", "1s", "--experimental-warning-apply-duration", "250ms");
    assertThat(c.logs).isEqualTo(new LogSettings(List.of("stdout"), ZapLevel.DEBUG, true));
    assertThat(c.warningApplyDuration).isEqualTo(java.time.Duration.ofMillis(250));
    assertThatThrownBy(() -> config("--log-level", "verbose")).hasMessage("unknown level \"verbose\"");
    assertThatThrownBy(() -> config("--log-outputs", "default,/tmp/x.log"))
        .hasMessage("multi logoutput for \"default\" is not supported yet");
  }
}
