package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's structured logs end to end: a member started with {@code --log-outputs <file> --log-level info} writes
 * only zap JSON lines there (none on stderr), among them its election and a compaction in etcd's words; and the
 * logging flags etcd refuses, Cairn refuses with the same message (run against /usr/bin/etcd too).
 */
class LogsTest {
  private static final Set<String> LEVELS = Set.of("debug", "info", "warn", "error", "panic", "fatal");

  @TempDir
  Path dir;
  final List<Member> members = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Member m : members) {
      m.close();
    }
  }

  @Test
  void aMemberLogsEtcdsJsonLinesToTheGivenFileIncludingItsElectionAndACompaction() throws Exception {
    Path file = dir.resolve("member.log");
    Member m = Member.cairn(dir, "--log-outputs", file.toString(), "--log-level", "info");
    members.add(m);
    Etcdctl ctl = new Etcdctl(m.endpoint());
    ctl.run("put", "k", "v1").ok();
    ctl.run("put", "k", "v2").ok();
    ctl.run("compact", "2").ok();
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(() -> Files.readString(file).contains("finished scheduled compaction"));

    List<JsonObject> lines = new ArrayList<>();
    for (String l : Files.readAllLines(file)) {
      JsonObject o = JsonParser.parseString(l).getAsJsonObject(); // every line is one JSON object
      assertThat(new ArrayList<>(o.keySet()).subList(0, 4)).as(l).containsExactly("level", "ts", "caller", "msg");
      assertThat(o.get("level").getAsString()).as(l).isIn(LEVELS).isNotEqualTo("debug");
      assertThat(o.get("ts").getAsString()).as(l).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}(Z|[+-]\\d{4})");
      assertThat(o.get("caller").getAsString()).as(l).matches("([a-z0-9]+/)?[A-Za-z0-9]+\\.java:\\d+");
      lines.add(o);
    }
    JsonObject leader = find(lines, "[0-9a-f]+ became leader at term \\d+");
    assertThat(leader.get("caller").getAsString()).startsWith("raft/RaftTransitions.java:");
    find(lines, "raft\\.node: [0-9a-f]+ elected leader [0-9a-f]+ at term \\d+");
    JsonObject compacted = find(lines, "finished scheduled compaction");
    assertThat(compacted.get("compact-revision").getAsLong()).isEqualTo(2);
    assertThat(compacted.get("took").getAsString()).matches("[0-9.]+(ns|µs|ms|s)");
    assertThat(compacted.get("caller").getAsString()).startsWith("mvcc/Compactor.java:");
    JsonObject added = find(lines, "added member");
    assertThat(added.get("added-peer-peer-urls").getAsJsonArray().get(0).getAsString())
        .isEqualTo("http://127.0.0.1:" + m.peerPort);
    // the file took every line: nothing of the member's log reached stderr
    assertThat(m.logText()).doesNotContain("\"msg\":");
  }

  private static JsonObject find(List<JsonObject> lines, String msgRegex) {
    return lines.stream().filter(o -> o.get("msg").getAsString().matches(msgRegex)).findFirst()
        .orElseThrow(() -> new AssertionError("no line with msg matching " + msgRegex + " in " + lines));
  }

  @Test
  void loggingFlagsEtcdRefusesCairnRefusesWithTheSameMessage() throws Exception {
    Member.requireIntegrationPhase();
    String missing = dir.resolve("no/such/dir/x.log").toString();
    List<List<String>> cases = List.of(
        List.of("--log-outputs", "default,stderr"),
        List.of("--log-level", "bogus"),
        List.of("--logger", "foo"),
        List.of("--log-outputs", missing));
    List<String> messages = List.of(
        "multi logoutput for \"default\" is not supported yet",
        "unknown level \"bogus\"",
        "unknown logger option \"foo\"",
        "open sink \"" + missing + "\": open " + missing + ": no such file or directory");
    for (int i = 0; i < cases.size(); i++) {
      Run etcd = run(List.of(Member.ETCD), cases.get(i), "etcd-" + i);
      Run cairn = run(cairnCommand(), cases.get(i), "cairn-" + i);
      assertThat(etcd.exit).as("etcd %s: %s", cases.get(i), etcd.out).isNotZero();
      assertThat(etcd.out).as("etcd %s", cases.get(i)).contains(messages.get(i));
      assertThat(cairn.exit).as("cairn %s: %s", cases.get(i), cairn.out).isNotZero();
      assertThat(cairn.out).as("cairn %s", cases.get(i)).contains(messages.get(i));
    }
  }

  @Test
  void stdoutWithStderrIsAcceptedByBoth() throws Exception {
    Member.requireIntegrationPhase();
    Files.createDirectories(dir.resolve("e"));
    Files.createDirectories(dir.resolve("c"));
    Member etcd = Member.etcd(dir.resolve("e"), "--logger", "zap", "--log-outputs", "stdout,stderr");
    members.add(etcd);
    Member cairn = Member.cairn(dir.resolve("c"), "--log-outputs", "stdout,stderr");
    members.add(cairn);
    // both outputs: each line appears twice in the combined stdout+stderr the harness keeps
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() ->
        cairn.logText().lines().filter(l -> l.contains("became leader at term")).count() == 2);
  }

  private record Run(int exit, String out) {}

  private static List<String> cairnCommand() {
    return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:+UseSerialGC",
        "-jar", System.getProperty("cairn.jar", "target/cairn.jar"));
  }

  /** Runs a member with {@code flags} on free ports and a fresh data dir; it is expected to refuse and exit. */
  private Run run(List<String> command, List<String> flags, String name) throws Exception {
    int client = Ports.free();
    int peer = Ports.free();
    List<String> cmd = new ArrayList<>(command);
    cmd.addAll(List.of("--logger", "zap", "--name", "m1", "--data-dir", dir.resolve(name).toString(),
        "--listen-client-urls", "http://127.0.0.1:" + client, "--advertise-client-urls", "http://127.0.0.1:" + client,
        "--listen-peer-urls", "http://127.0.0.1:" + peer, "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
        "--initial-cluster", "m1=http://127.0.0.1:" + peer));
    cmd.addAll(flags);
    File out = dir.resolve(name + ".out").toFile();
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out);
    pb.environment().keySet().removeIf(k -> k.startsWith("ETCD_"));
    Process p = pb.start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        throw new AssertionError(cmd + " did not exit in 30 s (it should have refused its flags):\n"
            + Files.readString(out.toPath()));
      }
      return new Run(p.exitValue(), Files.readString(out.toPath()));
    } finally {
      p.destroyForcibly();
    }
  }
}
