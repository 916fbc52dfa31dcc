package io.cairn.server.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ZapEncoderTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  /** A private logback context writing through the encoder into {@link #out}. */
  private Logger logger(String format, ZapLevel threshold) {
    LoggerContext ctx = new LoggerContext();
    ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    ctx.start();
    OutputStreamAppender<ILoggingEvent> a = new OutputStreamAppender<>();
    a.setContext(ctx);
    ZapEncoder enc = new ZapEncoder();
    enc.setContext(ctx);
    enc.setFormat(format);
    enc.setZone(ZoneId.of("UTC"));
    enc.start();
    a.setEncoder(enc);
    a.setOutputStream(out);
    a.setImmediateFlush(true);
    ZapLevelFilter f = new ZapLevelFilter();
    f.setThreshold(threshold);
    f.start();
    a.addFilter(f);
    a.start();
    Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(a);
    root.setLevel(threshold.logback);

    return ctx.getLogger("io.cairn.server.raft.RaftLoop");
  }

  private List<String> lines() {
    String s = out.toString(StandardCharsets.UTF_8);
    assertThat(s).endsWith("\n");
    return List.of(s.split("\n"));
  }

  @Test
  void jsonLineHasEtcdsKeysInEtcdsOrderThenTheFields() {
    Logger log = logger("json", ZapLevel.INFO);
    int line = new Throwable().getStackTrace()[0].getLineNumber() + 1;
    log.atInfo().addKeyValue("compact-revision", 42L).addKeyValue("took", Duration.ofNanos(86_789)).log("finished scheduled compaction");
    String l = lines().get(0);
    assertThat(l).matches("\\{\"level\":\"info\",\"ts\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z\","
        + "\"caller\":\"logging/ZapEncoderTest\\.java:" + line + "\",\"msg\":\"finished scheduled compaction\","
        + "\"compact-revision\":42,\"took\":\"86\\.789µs\"}");
    JsonObject o = JsonParser.parseString(l).getAsJsonObject();
    assertThat(new ArrayList<>(o.keySet())).containsExactly("level", "ts", "caller", "msg", "compact-revision", "took");
  }

  @Test
  void stringsAreEscapedAsJson() {
    Logger log = logger("json", ZapLevel.INFO);
    String nasty = "quote\" backslash\\ nl\n cr\r tab\t bell\u0007 nul\u0000 del\u007f é 𝄞 lone\ud800 <&>";
    log.atWarn().addKeyValue("k\"ey", nasty).log(nasty);
    String l = lines().get(0);
    assertThat(l).contains("\"msg\":\"quote\\\" backslash\\\\ nl\\n cr\\r tab\\t bell\\u0007 nul\\u0000 del\u007f é 𝄞 lone\ufffd <&>\"");
    JsonObject o = JsonParser.parseString(l).getAsJsonObject();
    assertThat(o.get("k\"ey").getAsString()).isEqualTo(nasty.replace('\ud800', '\ufffd'));
    assertThat(o.get("level").getAsString()).isEqualTo("warn");
  }

  @Test
  void valuesKeepTheirJsonTypes() {
    Logger log = logger("json", ZapLevel.INFO);
    log.atInfo().addKeyValue("n", 7).addKeyValue("b", true).addKeyValue("d", 1.5).addKeyValue("whole", 2.0)
        .addKeyValue("nan", Double.NaN).addKeyValue("urls", List.of("http://a:1", "http://b:2"))
        .addKeyValue("none", (Object) null).addKeyValue("dur", Duration.ofSeconds(3723, 500_000_000))
        .addKeyValue("ms", Duration.ofMillis(100)).log("m");
    String l = lines().get(0);
    assertThat(l).endsWith("\"n\":7,\"b\":true,\"d\":1.5,\"whole\":2,\"nan\":\"NaN\",\"urls\":[\"http://a:1\",\"http://b:2\"],"
        + "\"none\":null,\"dur\":\"1h2m3.5s\",\"ms\":\"100ms\"}");
    JsonParser.parseString(l);
  }

  @Test
  void aThrowableIsTheErrorFieldWithAStackTraceFromErrorUp() {
    Logger log = logger("json", ZapLevel.INFO);
    log.atWarn().setCause(new IllegalStateException("disk full")).log("closing the WAL");
    log.atError().addKeyValue("index", 5).setCause(new RuntimeException("boom")).log("snapshot failed");
    List<String> ls = lines();
    JsonObject warn = JsonParser.parseString(ls.get(0)).getAsJsonObject();
    assertThat(warn.get("error").getAsString()).isEqualTo("disk full");
    assertThat(warn.has("stacktrace")).isFalse();
    JsonObject err = JsonParser.parseString(ls.get(1)).getAsJsonObject();
    assertThat(new ArrayList<>(err.keySet())).containsExactly("level", "ts", "caller", "msg", "index", "error", "stacktrace");
    assertThat(err.get("error").getAsString()).isEqualTo("boom");
    assertThat(err.get("stacktrace").getAsString()).contains("java.lang.RuntimeException: boom", "ZapEncoderTest");
  }

  @Test
  void levelsFollowZapsOrderWithFatalAbovePanicAboveError() {
    Logger log = logger("json", ZapLevel.PANIC);
    log.atError().log("dropped: error is below panic");
    log.atError().addMarker(ZapLevel.PANIC_MARKER).log("p");
    log.atError().addMarker(ZapLevel.FATAL_MARKER).log("f");
    log.atWarn().log("dropped");
    List<String> ls = lines();
    assertThat(ls).hasSize(2);
    assertThat(JsonParser.parseString(ls.get(0)).getAsJsonObject().get("level").getAsString()).isEqualTo("panic");
    assertThat(JsonParser.parseString(ls.get(1)).getAsJsonObject().get("level").getAsString()).isEqualTo("fatal");
  }

  @Test
  void debugLevelLetsDebugThroughAndNamesItDebug() {
    Logger log = logger("json", ZapLevel.DEBUG);
    log.debug("d {}", 1);
    log.trace("t");
    List<String> ls = lines();
    assertThat(ls).hasSize(1);
    JsonObject o = JsonParser.parseString(ls.get(0)).getAsJsonObject();
    assertThat(o.get("level").getAsString()).isEqualTo("debug");
    assertThat(o.get("msg").getAsString()).isEqualTo("d 1");
  }

  @Test
  void consoleFormIsTabSeparatedWithTheFieldsAsOneJsonObject() {
    Logger log = logger("console", ZapLevel.INFO);
    int line = new Throwable().getStackTrace()[0].getLineNumber() + 1;
    log.atInfo().addKeyValue("revision", 3L).addKeyValue("name", "a\tb").log("compacted");
    log.info("no fields");
    List<String> ls = lines();
    String[] parts = ls.get(0).split("\t");
    assertThat(parts).hasSize(5);
    assertThat(parts[0]).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
    assertThat(parts[1]).isEqualTo("info");
    assertThat(parts[2]).isEqualTo("logging/ZapEncoderTest.java:" + line);
    assertThat(parts[3]).isEqualTo("compacted");
    assertThat(parts[4]).isEqualTo("{\"revision\":3,\"name\":\"a\\tb\"}");
    assertThat(ls.get(1).split("\t")).hasSize(4).endsWith("no fields");
  }

  @Test
  void timestampsUseEtcdsLayoutWithANumericOffsetOutsideUtc() {
    java.time.Instant t = java.time.Instant.parse("2026-12-06T09:17:00.123456789Z");
    assertThat(ZapEncoder.TS.format(t.atZone(ZoneId.of("UTC")))).isEqualTo("2026-12-06T09:17:00.123456Z");
    assertThat(ZapEncoder.TS.format(t.atZone(ZoneId.of("+05:30")))).isEqualTo("2026-12-06T14:47:00.123456+0530");
  }

  @Test
  void goDurationsMatchGosStringForm() {
    assertThat(GoDurations.format(Duration.ZERO)).isEqualTo("0s");
    assertThat(GoDurations.format(Duration.ofNanos(999))).isEqualTo("999ns");
    assertThat(GoDurations.format(Duration.ofNanos(1_500))).isEqualTo("1.5µs");
    assertThat(GoDurations.format(Duration.ofNanos(1_034_053))).isEqualTo("1.034053ms");
    assertThat(GoDurations.format(Duration.ofSeconds(1))).isEqualTo("1s");
    assertThat(GoDurations.format(Duration.ofMinutes(2))).isEqualTo("2m0s");
    assertThat(GoDurations.format(Duration.ofHours(1))).isEqualTo("1h0m0s");
    assertThat(GoDurations.format(Duration.ofMillis(-1500))).isEqualTo("-1.5s");
  }

  @Test
  void callerIsTheLastPackageAndTheSourceFile() {
    assertThat(ZapEncoder.caller(new StackTraceElement[] {
        new StackTraceElement("io.cairn.server.raft.RaftLoop", "handle", "RaftLoop.java", 123)}))
        .isEqualTo("raft/RaftLoop.java:123");
    assertThat(ZapEncoder.caller(new StackTraceElement[] {
        new StackTraceElement("Top$Inner", "m", null, 7)})).isEqualTo("Top.java:7");
    assertThat(ZapEncoder.caller(new StackTraceElement[0])).isNull();
  }
}
