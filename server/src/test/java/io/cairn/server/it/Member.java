package io.cairn.server.it;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real server process on free loopback ports: Cairn ({@code java -jar target/cairn.jar}) or
 * real etcd ({@code /usr/bin/etcd}), started with the same etcd flags. Stopped by its own PID only.
 */
final class Member implements AutoCloseable {
  static final String ETCD = "/usr/bin/etcd";

  final String kind;
  final int clientPort;
  final int peerPort;
  final Path dataDir;
  final Path log;
  private Process process;
  /** The client URLs' scheme. */
  private String scheme = "http";
  private final List<String> command;
  private final Map<String, String> env;

  private Member(String kind, Path dataDir, List<String> command, int clientPort, int peerPort, Map<String, String> env) {
    this.kind = kind;
    this.dataDir = dataDir;
    this.command = command;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
    this.env = new java.util.HashMap<>(env);
    this.log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
  }

  static Member cairn(Path dir, String... extraFlags) throws IOException {
    return cairn(dir, Map.of(), extraFlags);
  }

  static Member cairn(Path dir, Map<String, String> env, String... extraFlags) throws IOException {
    requireIntegrationPhase();
    String jar = System.getProperty("cairn.jar", "target/cairn.jar");
    if (!new File(jar).isFile()) {
      throw new IllegalStateException("cairn.jar not built at " + jar + " (run mvn package first)");
    }
    List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx512m", "-XX:+UseSerialGC", "-jar", jar));
    return start("cairn", dir, cmd, env, extraFlags);
  }

  /**
   * Cairn started as operators and the benchmarks start it: through {@code scripts/cairn-java.sh}, with the JVM
   * settings it names. The script execs java, so the process's PID is the JVM's.
   */
  static Member cairnViaStartScript(Path dir, Map<String, String> env, String... extraFlags) throws IOException {
    requireIntegrationPhase();
    Path jar = Path.of(System.getProperty("cairn.jar")).toAbsolutePath();
    Path script = jar.getParent().getParent().getParent().resolve("scripts/cairn-java.sh"); // server/target/cairn.jar
    return start("cairn", dir, new ArrayList<>(List.of("bash", script.toString(), jar.toString())), env, extraFlags);
  }

  static Member etcd(Path dir, String... extraFlags) throws IOException {
    if (!new File(ETCD).canExecute()) {
      throw new IllegalStateException(ETCD + " is missing: install it with 'apt-get install -y etcd-server etcd-client'"
          + " (scripts/test.sh does this)");
    }
    return start("etcd", dir, new ArrayList<>(List.of(ETCD)), Map.of(), extraFlags);
  }

  /** A Cairn member configured only through ETCD_* variables (as `etcdctl member add` prints them). */
  static Member cairnWithEnvOnly(Path dir, Map<String, String> env, int clientPort, int peerPort) throws IOException {
    requireIntegrationPhase();
    List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx512m", "-XX:+UseSerialGC", "-jar",
        System.getProperty("cairn.jar", "target/cairn.jar")));
    Member m = new Member("cairn", dir.resolve(env.getOrDefault("ETCD_NAME", "joined")), cmd, clientPort, peerPort, env);
    m.startProcess();
    return m;
  }

  /**
   * Integration tests run in the integration-test phase, against the jar just packaged (its path is passed as
   * cairn.jar). Selected with -Dtest they would also run in the test phase, against whatever jar an earlier build
   * left: skipped there.
   */
  static void requireIntegrationPhase() {
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("cairn.jar") != null,
        "runs in the integration-test phase, against the jar this build packaged");
  }

  /** Starts a member from the ETCD_* lines `etcdctl member add` printed, plus its own URLs and {@code extraEnv}. */
  static Member joinFromMemberAdd(Path dir, String addOutput, int peerPort, Map<String, String> extraEnv)
      throws IOException {
    return joinFromMemberAdd(dir, addOutput, peerPort, Ports.free(), extraEnv);
  }

  /** The same on a client port chosen by the caller, who may talk to it before it serves. */
  static Member joinFromMemberAdd(Path dir, String addOutput, int peerPort, int client, Map<String, String> extraEnv)
      throws IOException {
    Map<String, String> env = new java.util.HashMap<>(extraEnv);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(ETCD_[A-Z_]+)=\"([^\"]*)\"").matcher(addOutput);
    while (m.find()) {
      env.put(m.group(1), m.group(2));
    }
    for (String k : List.of("ETCD_NAME", "ETCD_INITIAL_CLUSTER", "ETCD_INITIAL_ADVERTISE_PEER_URLS",
        "ETCD_INITIAL_CLUSTER_STATE")) {
      if (!env.containsKey(k)) {
        throw new IllegalStateException("member add printed no " + k + ":\n" + addOutput);
      }
    }
    env.put("ETCD_LISTEN_PEER_URLS", "http://127.0.0.1:" + peerPort);
    env.put("ETCD_LISTEN_CLIENT_URLS", "http://127.0.0.1:" + client);
    env.put("ETCD_ADVERTISE_CLIENT_URLS", "http://127.0.0.1:" + client);
    env.put("ETCD_DATA_DIR", dir.resolve(env.get("ETCD_NAME")).toString());
    return cairnWithEnvOnly(dir, env, client, peerPort);
  }

  /**
   * {@code n} Cairn members bootstrapped together from one --initial-cluster; started in order
   * (each opens its client port before the cluster has a leader).
   */
  static List<Member> cairnCluster(Path dir, int n, String... extraFlags) throws IOException {
    return cluster("cairn", dir, n, extraFlags);
  }

  /** The same, member {@code i} (from 0) with the environment {@code env.apply(i)}. */
  static List<Member> cairnCluster(Path dir, int n, java.util.function.IntFunction<Map<String, String>> env,
      String... extraFlags) throws IOException {
    return cluster("cairn", dir, n, env, extraFlags);
  }

  /** The same with real etcd, for side-by-side figures. */
  static List<Member> etcdCluster(Path dir, int n, String... extraFlags) throws IOException {
    return cluster("etcd", dir, n, extraFlags);
  }

  private static List<Member> cluster(String kind, Path dir, int n, String... extraFlags) throws IOException {
    return cluster(kind, dir, n, "http", "http", i -> List.of(), i -> Map.of(), extraFlags);
  }

  /** The same, member {@code i} (from 0) with the environment {@code env.apply(i)}. */
  private static List<Member> cluster(String kind, Path dir, int n,
      java.util.function.IntFunction<Map<String, String>> env, String... extraFlags) throws IOException {
    return cluster(kind, dir, n, "http", "http", i -> List.of(), env, extraFlags);
  }

  /**
   * {@code n} Cairn members with {@code clientScheme} client URLs and {@code peerScheme} peer URLs;
   * {@code perMember.apply(i)} adds member i's own flags (its certificate files, say).
   */
  static List<Member> cairnCluster(Path dir, int n, String clientScheme, String peerScheme,
      java.util.function.IntFunction<List<String>> perMember, String... extraFlags) throws IOException {
    return cluster("cairn", dir, n, clientScheme, peerScheme, perMember, i -> Map.of(), extraFlags);
  }

  private static List<Member> cluster(String kind, Path dir, int n, String clientScheme, String peerScheme,
      java.util.function.IntFunction<List<String>> perMember, java.util.function.IntFunction<Map<String, String>> env,
      String... extraFlags) throws IOException {
    if (kind.equals("cairn")) {
      requireIntegrationPhase();
    }
    int[] client = new int[n];
    int[] peer = new int[n];
    StringBuilder initial = new StringBuilder();
    for (int i = 0; i < n; i++) {
      client[i] = Ports.free();
      peer[i] = Ports.free();
      initial.append(i == 0 ? "" : ",").append("m").append(i + 1).append("=").append(peerScheme)
          .append("://127.0.0.1:").append(peer[i]);
    }
    List<Member> members = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<String> cmd = kind.equals("etcd") ? new ArrayList<>(List.of(ETCD))
          : new ArrayList<>(List.of(javaBin(), "-Xmx512m", "-XX:+UseSerialGC", "-jar",
              System.getProperty("cairn.jar", "target/cairn.jar")));
      Path data = dir.resolve(kind + "-m" + (i + 1));
      cmd.addAll(List.of("--name", "m" + (i + 1), "--data-dir", data.toString(),
          "--listen-client-urls", clientScheme + "://127.0.0.1:" + client[i],
          "--advertise-client-urls", clientScheme + "://127.0.0.1:" + client[i],
          "--listen-peer-urls", peerScheme + "://127.0.0.1:" + peer[i],
          "--initial-advertise-peer-urls", peerScheme + "://127.0.0.1:" + peer[i],
          "--initial-cluster", initial.toString(), "--initial-cluster-state", "new",
          "--initial-cluster-token", "it-" + kind));
      cmd.addAll(perMember.apply(i));
      cmd.addAll(List.of(extraFlags));
      Member m = new Member(kind, data, cmd, client[i], peer[i], env.apply(i));
      m.scheme = clientScheme;
      members.add(m);
    }
    for (Member m : members) {
      m.startProcess();
    }
    return members;
  }

  /**
   * A Cairn member named {@code name} with its data in {@code data} on the given ports, alone in its cluster (e.g. one
   * made by {@code cairn snapshot restore} with the same name and peer URL).
   */
  static Member cairnAt(Path data, String name, int client, int peer, String... extra) throws IOException {
    return cairnMemberAt(data, name, client, peer, name + "=http://127.0.0.1:" + peer, extra);
  }

  /** The same, one of the members of {@code initialCluster} (e.g. each member restored from one snapshot). */
  static Member cairnMemberAt(Path data, String name, int client, int peer, String initialCluster, String... extra)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx512m", "-XX:+UseSerialGC", "-jar",
        System.getProperty("cairn.jar", "target/cairn.jar"), "--name", name, "--data-dir", data.toString(),
        "--listen-client-urls", "http://127.0.0.1:" + client, "--advertise-client-urls", "http://127.0.0.1:" + client,
        "--listen-peer-urls", "http://127.0.0.1:" + peer, "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
        "--initial-cluster", initialCluster));
    cmd.addAll(List.of(extra));
    Member m = new Member("cairn", data, cmd, client, peer, Map.of());
    m.startProcess();
    return m;
  }

  private static Member start(String kind, Path dir, List<String> cmd, Map<String, String> env, String... extra)
      throws IOException {
    int client = Ports.free();
    int peer = Ports.free();
    Path data = dir.resolve(kind + "-data");
    cmd.addAll(List.of("--name", "m1", "--data-dir", data.toString(),
        "--listen-client-urls", "http://127.0.0.1:" + client,
        "--advertise-client-urls", "http://127.0.0.1:" + client,
        "--listen-peer-urls", "http://127.0.0.1:" + peer,
        "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
        "--initial-cluster", "m1=http://127.0.0.1:" + peer));
    cmd.addAll(List.of(extra));
    Member m = new Member(kind, data, cmd, client, peer, env);
    m.startProcess();
    return m;
  }

  void startProcess() throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("ETCD_"));
    pb.environment().putAll(env);
    process = pb.start();
    awaitPort(Duration.ofSeconds(60));
  }

  String endpoint() {
    return "127.0.0.1:" + clientPort;
  }

  String url() {
    return scheme + "://127.0.0.1:" + clientPort;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  private void awaitPort(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(kind + " exited with " + process.exitValue() + ":\n" + Files.readString(log));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", clientPort), 200);
        return;
      } catch (IOException notYet) {
        try {
          process.waitFor(50, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException(e);
        }
      }
    }
    throw new IOException(kind + " did not open its client port in " + timeout + ":\n" + Files.readString(log));
  }

  /** The exit status once the process ended by itself within {@code wait}, or null while it still runs. */
  Integer awaitExit(Duration wait) throws InterruptedException {
    return process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
  }

  /** Starts without {@code name} in the environment from now on (a failpoint that should fire once). */
  void unsetEnv(String name) {
    env.remove(name);
  }

  /** SIGSTOP: a pause (a long GC, a frozen VM), resumed by {@link #resume}. */
  void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String sig) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start();
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("kill -" + sig + " " + process.pid() + " failed");
    }
  }

  /** SIGTERM, as an operator stops it. */
  int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    return process.exitValue();
  }

  /** SIGKILL: a crash. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  String logText() throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      stop();
    }
    // keep the server's log after the temp dir is gone, for diagnosing a failed run
    try {
      Path keep = Path.of("target", "it-logs");
      Files.createDirectories(keep);
      if (Files.exists(log)) {
        Files.copy(log, keep.resolve(kind + "-" + clientPort + ".log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException ignored) {
      // best effort
    }
  }
}
