package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcdctl member add (learner) / promote / add / remove against a running Cairn, and a new member
 * started exactly as `member add` tells the operator (ETCD_* variables, --initial-cluster-state
 * existing) that joins and catches up.
 */
class MembershipTest {
  @TempDir
  Path dir;
  final List<Member> started = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Member m : started) {
      m.close();
    }
  }

  /** Starts a member from the ETCD_* lines `etcdctl member add` printed, plus its own client URL. */
  Member startFromMemberAddOutput(String addOutput, int peerPort) throws IOException {
    Member joined = Member.joinFromMemberAdd(dir, addOutput, peerPort, Map.of());
    started.add(joined);
    return joined;
  }

  static String idOf(String memberList, String name) {
    Matcher m = Pattern.compile("([0-9a-f]+), started, " + name + ",").matcher(memberList);
    assertThat(m.find()).as(memberList).isTrue();
    return m.group(1);
  }

  /**
   * The replacement procedure on a cluster with its own --initial-cluster-token (which `member add` does not print):
   * the new member must reach its peers under their real ids, and, the log being compacted, catch up from a
   * snapshot. Before the fix it derived its peers' ids from the default token, its answers went nowhere, and it
   * stayed empty.
   */
  @Test
  void aReplacementMemberCatchesUpFromASnapshotInAClusterWithItsOwnToken() throws Exception {
    List<Member> cluster = Member.cairnCluster(dir, 3, "--snapshot-count", "20",
        "--experimental-snapshot-catchup-entries", "5");
    started.addAll(cluster);
    ClusterTest.awaitLeader(cluster);
    Etcdctl ctl = new Etcdctl(cluster.get(0).endpoint() + "," + cluster.get(1).endpoint());
    for (int i = 0; i < 60; i++) {
      ctl.run("put", "k" + i, "v" + i).ok();
    }
    ctl.run("member", "remove", idOf(ctl.run("member", "list").ok().out(), "m3")).ok();
    assertThat(cluster.get(2).awaitExit(Duration.ofSeconds(30))).isEqualTo(0);
    int peer = Ports.free();
    Member fresh = startFromMemberAddOutput(
        ctl.run("member", "add", "m4", "--peer-urls=http://127.0.0.1:" + peer).ok().out(), peer);
    String want = ctl.run("get", "k", "--prefix", "-w", "simple").ok().out();
    Etcdctl onFresh = new Etcdctl(fresh.endpoint());
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
      Etcdctl.Result r = onFresh.run("get", "k", "--prefix", "--consistency=s");
      return r.exit() == 0 && r.out().equals(want);
    });
    assertThat(fresh.logText()).contains("\"replaced-store\":true"); // the "applied snapshot" line of an install
  }

  @Test
  void addLearnerJoinPromoteAddRemove() throws Exception {
    Member first = Member.cairn(dir);
    started.add(first);
    Etcdctl ctl = new Etcdctl(first.endpoint());
    for (int i = 0; i < 10; i++) {
      ctl.run("put", "k" + i, "v" + i).ok();
    }
    int peerB = Ports.free();
    String added = ctl.run("member", "add", "b", "--learner", "--peer-urls=http://127.0.0.1:" + peerB).ok().out();
    assertThat(added).contains("ETCD_INITIAL_CLUSTER_STATE=\"existing\"");
    Member b = startFromMemberAddOutput(added, peerB);
    Etcdctl onB = new Etcdctl(b.endpoint());
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        onB.run("get", "k9", "--print-value-only", "--consistency=s").out().equals("v9\n"));
    // a learner serves only serializable reads and Status, as etcd's does
    assertThat(onB.run("get", "k9").err()).contains("etcdserver: rpc not supported for learner");
    assertThat(onB.run("endpoint", "status", "-w", "json").ok().out()).contains("\"isLearner\":true");
    String list = ctl.run("member", "list").ok().out();
    assertThat(list).contains(", started, b, http://127.0.0.1:" + peerB + ", http://127.0.0.1:" + b.clientPort + ", true");
    String bId = idOf(list, "b");

    Etcdctl.Result again = ctl.run("member", "promote", idOf(list, "m1"));
    assertThat(again.err()).contains("etcdserver: can only promote a learner member");
    ctl.run("member", "promote", bId).ok();
    assertThat(ctl.run("member", "list").ok().out()).contains("http://127.0.0.1:" + b.clientPort + ", false");

    Etcdctl.Result dup = ctl.run("member", "add", "x", "--peer-urls=http://127.0.0.1:" + peerB);
    assertThat(dup.err()).contains("etcdserver: Peer URLs already exists");
    Etcdctl.Result missing = ctl.run("member", "remove", "1234");
    assertThat(missing.err()).contains("etcdserver: member not found");

    int peerC = Ports.free();
    Member c = startFromMemberAddOutput(
        ctl.run("member", "add", "c", "--peer-urls=http://127.0.0.1:" + peerC).ok().out(), peerC);
    Etcdctl all = new Etcdctl(first.endpoint() + "," + b.endpoint() + "," + c.endpoint());
    all.run("put", "three", "members").ok();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        new Etcdctl(c.endpoint()).run("get", "three", "--print-value-only", "--consistency=s").out().equals("members\n"));

    // remove the first member (the leader so far); the other two carry on
    new Etcdctl(b.endpoint()).run("member", "remove", idOf(list, "m1")).ok();
    Etcdctl rest = new Etcdctl(b.endpoint() + "," + c.endpoint());
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> rest.run("put", "after", "remove").exit() == 0);
    assertThat(rest.run("member", "list").ok().out().lines().count()).isEqualTo(2);
    assertThat(new Etcdctl(c.endpoint()).run("get", "after", "--print-value-only").ok().out()).isEqualTo("remove\n");
  }
}
