package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leases in a 3-member cluster: keep-alives sent to a follower are forwarded to the leader; killing
 * the leader does not make a kept-alive lease expire; a lease nobody keeps alive takes its keys
 * with it within TTL plus a bounded margin.
 */
class ClusterLeaseTest {
  @TempDir
  Path dir;
  List<Member> members = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Member m : members) {
      m.close();
    }
  }

  static String grant(Etcdctl ctl, int ttl) {
    String out = ctl.run("lease", "grant", Integer.toString(ttl)).ok().out();
    Matcher m = Pattern.compile("lease ([0-9a-f]+) granted").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    return m.group(1);
  }

  @Test
  void keptAliveLeaseSurvivesALeaderKillAndAnAbandonedOneExpires() throws Exception {
    members = Member.cairnCluster(dir, 3);
    String leaderHex = ClusterTest.awaitLeader(members);
    Member leader = null;
    List<Member> followers = new ArrayList<>();
    for (Member m : members) {
      String json = new Etcdctl(m.endpoint()).run("endpoint", "status", "-w", "json").ok().out();
      if (json.contains("\"member_id\":" + Long.toUnsignedString(Long.parseUnsignedLong(leaderHex, 16)) + ",")) {
        leader = m;
      } else {
        followers.add(m);
      }
    }
    assertThat(leader).isNotNull();
    Etcdctl onFollower = new Etcdctl(followers.get(0).endpoint());
    String kept = grant(onFollower, 5);
    long t0 = System.nanoTime(); // before the grant: a lease cannot end before its grant + TTL
    String abandoned = grant(onFollower, 3);
    onFollower.run("put", "kept", "1", "--lease", kept).ok();
    onFollower.run("put", "abandoned", "1", "--lease", abandoned).ok();
    try (Etcdctl.Background ka = onFollower.start("lease", "keep-alive", kept)) {
      ka.awaitOutput(o -> o.contains("keepalived with TTL"));
      // the abandoned lease's key goes within TTL + a margin
      Etcdctl any = new Etcdctl(followers.get(0).endpoint() + "," + followers.get(1).endpoint());
      Awaitility.await().atMost(Duration.ofSeconds(3 + 5)).pollInterval(Duration.ofMillis(100))
          .until(() -> any.run("get", "abandoned", "--consistency=s").out().isEmpty());
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
      leader.kill();
      ClusterTest.awaitLeader(followers, leaderHex);
      // two full TTLs after the failover the kept-alive lease and its key are still there
      Awaitility.await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(12))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> any.run("get", "kept", "--print-value-only", "--consistency=s").out().equals("1\n"));
      assertThat(any.run("lease", "timetolive", kept).ok().out()).contains("remaining");
    }
  }
}
