package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/cairn-java.sh}, through which cairn.sh, cluster.sh and the benchmarks start members: the member
 * serves, runs with the heap and malloc settings docs/operations.md ("Memory") names, and an operator's
 * {@code CAIRN_JAVA_OPTS} overrides them.
 */
class StartScriptTest {
  @TempDir
  Path dir;
  Member member;

  @AfterEach
  void stop() throws Exception {
    if (member != null) {
      member.close();
    }
  }

  @Test
  void aMemberRunsWithTheDocumentedJvmSettingsAndTheOperatorsFlagsWin() throws Exception {
    // CAIRN_CDS=0: no training start for the class-data archive, which this test does not need
    member = Member.cairnViaStartScript(dir, Map.of("CAIRN_CDS", "0", "CAIRN_JAVA_OPTS", "-Xmx384m"));
    Etcdctl ctl = new Etcdctl(member.endpoint());
    ctl.run("put", "started", "by-script").ok();
    assertThat(ctl.run("get", "started", "--print-value-only").ok().out()).isEqualTo("by-script\n");

    // exec'd: the PID started is the JVM, with the defaults first and the operator's flags after them
    Path proc = Path.of("/proc", Long.toString(member.pid()));
    List<String> args = Arrays.asList(Files.readString(proc.resolve("cmdline")).split("\0"));
    assertThat(args.get(0)).endsWith("java");
    assertThat(args).containsSubsequence("-Xms32m", "-Xmx1g", "-XX:+UseSerialGC", "-Xmx384m", "-jar");
    // the script keeps a value already set in the environment it was started from
    String arenas = System.getenv().getOrDefault("MALLOC_ARENA_MAX", "2");
    assertThat(Files.readString(proc.resolve("environ")).split("\0")).contains("MALLOC_ARENA_MAX=" + arenas);

    // the serial collector is the one in force, and the last -Xmx: its young and old generations share 384 MiB
    String metrics = Http1.get(member.clientPort, "/metrics").text();
    long heapMax = 0;
    Matcher pool = Pattern.compile("jvm_memory_max_bytes\\{area=\"heap\",id=\"([^\"]+)\"} (\\S+)").matcher(metrics);
    List<String> pools = new ArrayList<>();
    while (pool.find()) {
      pools.add(pool.group(1));
      heapMax += Math.max(0, (long) Double.parseDouble(pool.group(2)));
    }
    assertThat(pools).as("the serial collector's heap pools in /metrics").contains("Tenured Gen", "Eden Space");
    assertThat(heapMax).as("-Xmx384m, not the default 1g").isBetween(320L << 20, 384L << 20);
  }
}
