package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three real cairn processes on loopback, driven by the real etcdctl. */
class ClusterTest {
  @TempDir
  Path dir;
  List<Member> members = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Member m : members) {
      m.close();
    }
  }

  static String endpoints(List<Member> ms) {
    return ms.stream().filter(Member::isAlive).map(Member::endpoint).collect(Collectors.joining(","));
  }

  /** The leader's member id (hex) as `endpoint status` reports it, once all live members agree. */
  static String awaitLeader(List<Member> ms) {
    return awaitLeader(ms, null);
  }

  /** As above, waiting until the agreed leader is not {@code notHex} (e.g. one just killed). */
  static String awaitLeader(List<Member> ms, String notHex) {
    String[] leader = new String[1];
    try {
      awaitAgreement(ms, notHex, leader);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      StringBuilder logs = new StringBuilder("no agreed leader in 30 s; member logs:\n");
      for (Member m : ms) {
        try {
          String l = m.logText();
          logs.append("== ").append(m.endpoint()).append('\n').append(l.substring(Math.max(0, l.length() - 3000)));
        } catch (java.io.IOException io) {
          logs.append(io);
        }
      }
      throw new AssertionError(logs.toString(), e);
    }
    return leader[0];
  }

  private static void awaitAgreement(List<Member> ms, String notHex, String[] leader) {
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
      Etcdctl.Result r = new Etcdctl(endpoints(ms)).run("endpoint", "status", "-w", "json");
      if (r.exit() != 0) {
        return false;
      }
      Matcher m = Pattern.compile("\"leader\":(\\d+)").matcher(r.out());
      java.util.Set<String> seen = new java.util.HashSet<>();
      while (m.find()) {
        seen.add(m.group(1));
      }
      if (seen.size() == 1 && !seen.contains("0")) {
        leader[0] = Long.toHexString(Long.parseUnsignedLong(seen.iterator().next()));
        return !leader[0].equals(notHex);
      }
      return false;
    });
  }

  @Test
  void writesThroughEveryMemberAndLinearizableReadsEverywhere() throws Exception {
    members = Member.cairnCluster(dir, 3);
    awaitLeader(members);
    for (int i = 0; i < members.size(); i++) {
      new Etcdctl(members.get(i).endpoint()).run("put", "k", "via-m" + (i + 1)).ok();
      for (Member m : members) {
        // a linearizable read on any member sees the write just acknowledged by another
        assertThat(new Etcdctl(m.endpoint()).run("get", "k", "--print-value-only").ok().out())
            .isEqualTo("via-m" + (i + 1) + "\n");
      }
    }
    String table = new Etcdctl(members.get(0).endpoint()).run("endpoint", "status", "--cluster", "-w", "table").ok().out();
    assertThat(table.lines().filter(l -> l.contains("127.0.0.1:") && l.contains("3.7.1")).count()).as(table).isEqualTo(3);
    assertThat(table.lines().filter(l -> l.contains("|      true |")).count()).as(table).isEqualTo(1);
    String list = new Etcdctl(members.get(1).endpoint()).run("member", "list").ok().out();
    for (int i = 0; i < 3; i++) {
      Member m = members.get(i);
      assertThat(list).containsPattern("[0-9a-f]+, started, m" + (i + 1) + ", http://127.0.0.1:" + m.peerPort
          + ", http://127.0.0.1:" + m.clientPort + ", false");
    }
  }

  @Test
  void killingTheLeaderElectsANewOneAndLosesNoAcknowledgedWrite() throws Exception {
    members = Member.cairnCluster(dir, 3);
    String leaderHex = awaitLeader(members);
    String status = new Etcdctl(endpoints(members)).run("endpoint", "status", "-w", "json").ok().out();
    Member leader = null;
    for (Member m : members) {
      if (new Etcdctl(m.endpoint()).run("endpoint", "status", "-w", "json").ok().out()
          .contains("\"member_id\":" + Long.toUnsignedString(Long.parseUnsignedLong(leaderHex, 16)) + ",")) {
        leader = m;
      }
    }
    assertThat(leader).as(status).isNotNull();
    Map<String, String> acked = new ConcurrentHashMap<>();
    Member survivor = members.stream().filter(m -> m != members.get(0)).findFirst().orElseThrow();
    for (int i = 0; i < 20; i++) {
      new Etcdctl(survivor.endpoint()).run("put", "before/" + i, "v" + i).ok();
      acked.put("before/" + i, "v" + i);
    }
    leader.kill();
    List<Member> alive = members.stream().filter(Member::isAlive).toList();
    String newLeader = awaitLeader(alive, leaderHex);
    assertThat(newLeader).isNotEqualTo(leaderHex);
    Etcdctl ctl = new Etcdctl(endpoints(alive));
    for (int i = 0; i < 20; i++) {
      ctl.run("put", "after/" + i, "v" + i).ok();
      acked.put("after/" + i, "v" + i);
    }
    leader.startProcess();
    Etcdctl onRestarted = new Etcdctl(leader.endpoint());
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
      Etcdctl.Result r = onRestarted.run("get", "after/19", "--print-value-only", "--consistency=s");
      return r.exit() == 0 && r.out().equals("v19\n");
    });
    for (Member m : members) {
      String all = new Etcdctl(m.endpoint()).run("get", "", "--prefix").ok().out();
      for (Map.Entry<String, String> e : acked.entrySet()) {
        assertThat(all).as("member %d", m.clientPort).contains(e.getKey() + "\n" + e.getValue() + "\n");
      }
    }
  }
}
