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
    Map<String, String> env = new java.util.HashMap<>();
    Matcher m = Pattern.compile("(ETCD_[A-Z_]+)=\"([^\"]*)\"").matcher(addOutput);
    while (m.find()) {
      env.put(m.group(1), m.group(2));
    }
    assertThat(env).containsKeys("ETCD_NAME", "ETCD_INITIAL_CLUSTER", "ETCD_INITIAL_ADVERTISE_PEER_URLS",
        "ETCD_INITIAL_CLUSTER_STATE");
    int client = Ports.free();
    env.put("ETCD_LISTEN_PEER_URLS", "http://127.0.0.1:" + peerPort);
    env.put("ETCD_LISTEN_CLIENT_URLS", "http://127.0.0.1:" + client);
    env.put("ETCD_ADVERTISE_CLIENT_URLS", "http://127.0.0.1:" + client);
    env.put("ETCD_DATA_DIR", dir.resolve(env.get("ETCD_NAME")).toString());
    Member joined = Member.cairnWithEnvOnly(dir, env, client, peerPort);
    started.add(joined);
    return joined;
  }

  static String idOf(String memberList, String name) {
    Matcher m = Pattern.compile("([0-9a-f]+), started, " + name + ",").matcher(memberList);
    assertThat(m.find()).as(memberList).isTrue();
    return m.group(1);
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
