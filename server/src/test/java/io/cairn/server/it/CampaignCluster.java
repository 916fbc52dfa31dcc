package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;

/**
 * A real cluster of cairn processes for fault campaigns: who leads, member ids, and the faults a campaign injects
 * (kill -9, pause, peer partitions and slow links through each member's fault file, see PeerFaults).
 */
final class CampaignCluster implements AutoCloseable {
  final List<Member> members;
  private final Path dir;
  private int added;
  private final List<Path> faultFiles = new ArrayList<>();
  private final Map<String, String> idByName = new HashMap<>();

  CampaignCluster(Path dir, int n, Map<Integer, String> failpoints, String... flags) throws IOException {
    this.dir = dir;
    for (int i = 0; i < n; i++) {
      faultFiles.add(dir.resolve("faults-m" + (i + 1)));
    }
    members = new ArrayList<>(Member.cairnCluster(dir, n, i -> {
      Map<String, String> env = new HashMap<>();
      env.put("CAIRN_PEER_FAULTS_FILE", faultFiles.get(i).toString());
      if (failpoints.containsKey(i)) {
        env.put("CAIRN_FAILPOINTS", failpoints.get(i));
      }
      return env;
    }, flags));
    ClusterTest.awaitLeader(members);
    for (String line : new Etcdctl(ClusterTest.endpoints(members)).run("member", "list").ok().out().split("\n")) {
      String[] f = line.split(", ");
      if (f.length > 2) {
        idByName.put(f[2], f[0]);
      }
    }
  }

  List<String> urls() {
    return members.stream().map(Member::url).toList();
  }

  String id(int i) {
    return idByName.get("m" + (i + 1));
  }

  /** The index of the member every live member agrees leads. */
  int leader() {
    String hex = ClusterTest.awaitLeader(members.stream().filter(Member::isAlive).toList());
    for (int i = 0; i < members.size(); i++) {
      if (hex.equals(id(i))) {
        return i;
      }
    }
    throw new AssertionError("leader " + hex + " is not a member: " + idByName);
  }

  int follower(java.util.Random rnd) {
    int leader = leader();
    int f;
    do {
      f = rnd.nextInt(members.size());
    } while (f == leader);
    return f;
  }

  /** Member {@code i} and every other drop each other's messages (a symmetric partition); empty rules heal. */
  void isolate(int i) throws IOException {
    for (int j = 0; j < members.size(); j++) {
      if (j != i) {
        Files.writeString(faultFiles.get(j), "drop-to " + id(i) + "\ndrop-from " + id(i) + "\n");
      }
    }
    Files.writeString(faultFiles.get(i), others(i, "drop-to") + others(i, "drop-from"));
  }

  /** The members in {@code side} and the others drop each other's messages; each side still talks within. */
  void partition(java.util.Set<Integer> side) throws IOException {
    for (int i = 0; i < members.size(); i++) {
      StringBuilder rules = new StringBuilder();
      for (int j = 0; j < members.size(); j++) {
        if (side.contains(i) != side.contains(j)) {
          rules.append("drop-to ").append(id(j)).append("\ndrop-from ").append(id(j)).append('\n');
        }
      }
      Files.writeString(faultFiles.get(i), rules.toString());
    }
  }

  /** Member {@code from} can no longer reach {@code to}; {@code to} still reaches {@code from}. */
  void dropOneWay(int from, int to) throws IOException {
    Files.writeString(faultFiles.get(from), "drop-to " + id(to) + "\n");
  }

  void slowLinks(int i, long ms) throws IOException {
    Files.writeString(faultFiles.get(i), others(i, "delay-to").replace("\n", " " + ms + "\n"));
  }

  /** The given members lose power at (nearly) the same moment: their unsynced writes are gone; restarted after. */
  void powerLoss(List<Integer> which) throws Exception {
    for (int i : which) {
      Files.writeString(faultFiles.get(i), "powerloss\n");
    }
    for (int i : which) {
      assertThat(members.get(i).awaitExit(Duration.ofSeconds(30))).as("member %d lost power", i).isNotNull();
    }
    heal();
  }

  void heal() throws IOException {
    for (Path f : faultFiles) {
      Files.writeString(f, "");
    }
  }

  private String others(int i, String rule) {
    StringBuilder sb = new StringBuilder();
    for (int j = 0; j < members.size(); j++) {
      if (j != i) {
        sb.append(rule).append(' ').append(id(j)).append('\n');
      }
    }
    return sb.toString();
  }

  /**
   * etcd's member replacement under load: member {@code i} is removed (it must stop by itself, status 0), then a new
   * member is added in its place and started as `member add` says; it takes index {@code i}.
   */
  void replace(int i) throws Exception {
    Member old = members.get(i);
    List<Member> others = new ArrayList<>(members);
    others.remove(i);
    Etcdctl ctl = new Etcdctl(ClusterTest.endpoints(others));
    ctl.run("member", "remove", id(i)).ok();
    Integer status = old.awaitExit(Duration.ofSeconds(30));
    assertThat(status).as("a removed member stops with status 0:%n%s", old.logText()).isEqualTo(0);
    String name = "n" + (++added);
    int peer = Ports.free();
    String out = ctl.run("member", "add", name, "--peer-urls=http://127.0.0.1:" + peer).ok().out();
    Path faults = dir.resolve("faults-" + name);
    faultFiles.set(i, faults);
    Member fresh = Member.joinFromMemberAdd(dir, out, peer, Map.of("CAIRN_PEER_FAULTS_FILE", faults.toString()));
    members.set(i, fresh);
    for (String line : ctl.run("member", "list").ok().out().split("\n")) {
      String[] f = line.split(", ");
      if (f.length > 2 && f[2].equals(name)) {
        idByName.put("m" + (i + 1), f[0]);
      }
    }
  }

  /**
   * Restarts every member that is not running (killed, or halted by a failpoint), without its failpoints: the crash
   * a run injects happens once, and the member then stays up to be checked.
   */
  void restartDead() throws IOException {
    for (Member m : members) {
      if (!m.isAlive()) {
        m.unsetEnv("CAIRN_FAILPOINTS");
        m.startProcess();
      }
    }
  }

  /** All members hold the same keys, values and revisions (each read locally, serializable) once caught up. */
  void assertConverged() {
    Pattern kv = Pattern.compile("\"kvs\":(\\[.*?\\])");
    String[] seen = new String[1];
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      List<String> states = new ArrayList<>();
      for (Member m : members) {
        Etcdctl.Result r = new Etcdctl(m.endpoint()).run("get", "", "--prefix", "--consistency=s", "-w", "json");
        assertThat(r.exit()).as("read from %s", m.endpoint()).isZero();
        Matcher x = kv.matcher(r.out());
        states.add(x.find() ? x.group(1) : "[]");
      }
      seen[0] = states.get(0);
      assertThat(states).as("every member's keys and revisions").containsOnly(states.get(0));
    });
  }

  @Override
  public void close() throws Exception {
    for (Member m : members) {
      try {
        m.resume();
      } catch (IOException | RuntimeException | InterruptedException ignored) {
        // not paused, or gone
      }
      m.kill();
    }
  }
}
