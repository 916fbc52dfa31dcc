package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real etcdctl against a running Cairn: commands whose output is Cairn's own (status, members, health). */
class EtcdctlCompatTest {
  @TempDir
  static Path dir;
  static Member cairn;
  static Etcdctl ctl;

  @BeforeAll
  static void start() throws Exception {
    cairn = Member.cairn(dir);
    ctl = new Etcdctl(cairn.endpoint());
  }

  @AfterAll
  static void stop() throws Exception {
    if (cairn != null) {
      cairn.close();
    }
  }

  @Test
  void endpointStatusReportsVersionSizeAndLeadership() {
    ctl.run("put", "status-key", "v").ok();
    String json = ctl.run("endpoint", "status", "-w", "json").ok().out();
    assertThat(json).contains("\"version\":\"3.7.1\"").contains("\"raftTerm\":2");
    assertThat(EtcdctlDifferentialTest.num(json, "raftAppliedIndex")).isEqualTo(EtcdctlDifferentialTest.num(json, "raftIndex"));
    long member = EtcdctlDifferentialTest.num(json, "member_id");
    assertThat(EtcdctlDifferentialTest.num(json, "leader")).isEqualTo(member);
    assertThat(EtcdctlDifferentialTest.num(json, "dbSize")).isPositive();
    assertThat(EtcdctlDifferentialTest.num(json, "raftIndex")).isPositive();
    String table = ctl.run("endpoint", "status", "-w", "table").ok().out();
    assertThat(table).contains(cairn.endpoint()).contains(Long.toHexString(member)).contains("true");
  }

  @Test
  void memberListShowsOneNamedStartedMember() {
    String out = ctl.run("member", "list").ok().out().trim();
    assertThat(out).matches("[0-9a-f]+, started, m1, http://127.0.0.1:" + cairn.peerPort
        + ", http://127.0.0.1:" + cairn.clientPort + ", false");
  }

  @Test
  void endpointHealthIsHealthy() {
    Etcdctl.Result r = ctl.run("endpoint", "health");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out() + r.err()).contains(cairn.endpoint() + " is healthy");
  }

  @Test
  void idsMatchEtcdsDerivationForTheSameFlags() {
    // etcd derives ids from the peer URLs and cluster token; same flags give the same ids
    String json = ctl.run("endpoint", "status", "-w", "json").ok().out();
    long member = EtcdctlDifferentialTest.num(json, "member_id");
    long cluster = EtcdctlDifferentialTest.num(json, "cluster_id");
    long want = io.cairn.server.cluster.MemberIds.memberId(
        java.util.List.of(java.net.URI.create("http://127.0.0.1:" + cairn.peerPort)), "etcd-cluster");
    assertThat(member).isEqualTo(want);
    assertThat(cluster).isEqualTo(io.cairn.server.cluster.MemberIds.clusterId(want));
  }

  @Test
  void authIsServed() {
    // Auth is built (AuthEtcdctlDifferentialTest compares it with etcd): with auth off, anyone may list users
    Etcdctl.Result r = ctl.run("user", "list");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEmpty();
  }

  @Test
  void restartKeepsDataRevisionsAndIds(@TempDir Path own) throws Exception {
    try (Member m = Member.cairn(own)) {
      Etcdctl c = new Etcdctl(m.endpoint());
      c.run("put", "durable", "1").ok();
      c.run("put", "durable", "2").ok();
      String before = c.run("get", "durable", "-w", "json").ok().out();
      String statusBefore = c.run("endpoint", "status", "-w", "json").ok().out();
      assertThat(m.stop()).as("exit code after SIGTERM").isIn(0, 143);
      m.startProcess();
      // the term moves on at a restart (a new election), as etcd's does; the data must not
      String after = c.run("get", "durable", "-w", "json").ok().out();
      assertThat(after.substring(after.indexOf("\"kvs\""))).isEqualTo(before.substring(before.indexOf("\"kvs\"")));
      assertThat(EtcdctlDifferentialTest.num(after, "raft_term")).isGreaterThan(EtcdctlDifferentialTest.num(before, "raft_term"));
      String statusAfter = c.run("endpoint", "status", "-w", "json").ok().out();
      assertThat(EtcdctlDifferentialTest.num(statusAfter, "member_id"))
          .isEqualTo(EtcdctlDifferentialTest.num(statusBefore, "member_id"));
      assertThat(c.run("put", "durable", "3", "-w", "json").ok().out()).contains("\"revision\":4");
    }
  }

  @Test
  void killMinusNineLosesNoAcknowledgedWrite(@TempDir Path own) throws Exception {
    try (Member m = Member.cairn(own)) {
      Etcdctl c = new Etcdctl(m.endpoint());
      for (int i = 0; i < 20; i++) {
        c.run("put", "acked" + i, "v" + i).ok();
      }
      m.kill();
      m.startProcess();
      String all = c.run("get", "acked", "--prefix", "--print-value-only").ok().out();
      for (int i = 0; i < 20; i++) {
        assertThat(all).contains("v" + i + "\n");
      }
      assertThat(c.run("get", "acked0", "-w", "json").ok().out()).contains("\"mod_revision\":2");
    }
  }

  @Test
  void environmentVariablesConfigureLikeFlags(@TempDir Path own) throws Exception {
    try (Member m = Member.cairn(own, Map.of("ETCD_MAX_TXN_OPS", "2"))) {
      Etcdctl c = new Etcdctl(m.endpoint());
      String txn = "\nput a 1\nput b 2\nput c 3\n\n\n";
      Etcdctl.Result r = c.runWithInput(txn, "txn");
      assertThat(r.exit()).isNotZero();
      assertThat(r.err()).contains("etcdserver: too many operations in txn request");
    }
  }
}
