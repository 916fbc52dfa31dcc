package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member stopped while the others write far past --snapshot-count (so the leader compacts its
 * log) catches up from a streamed checkpoint of the leader's store when it comes back.
 */
class SnapshotCatchUpTest {
  @TempDir
  Path dir;
  List<Member> members = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Member m : members) {
      m.close();
    }
  }

  @Test
  void aMemberFarBehindCatchesUpFromASnapshot() throws Exception {
    members = Member.cairnCluster(dir, 3, "--snapshot-count", "20", "--experimental-snapshot-catchup-entries", "5");
    ClusterTest.awaitLeader(members);
    Member lagging = members.get(2);
    new Etcdctl(lagging.endpoint()).run("put", "early", "1").ok();
    lagging.stop();
    Etcdctl ctl = new Etcdctl(members.get(0).endpoint() + "," + members.get(1).endpoint());
    for (int i = 0; i < 80; i++) {
      ctl.run("put", "k" + i, "v" + i).ok();
    }
    ctl.run("del", "early").ok();
    String want = ctl.run("get", "", "--prefix", "-w", "simple").ok().out();
    lagging.startProcess();
    Etcdctl onLagging = new Etcdctl(lagging.endpoint());
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
      Etcdctl.Result r = onLagging.run("get", "", "--prefix", "--consistency=s");
      return r.exit() == 0 && r.out().equals(want);
    });
    assertThat(lagging.logText()).contains("\"replaced-store\":true"); // the "applied snapshot" line of an install
    // and it keeps up afterwards, through the normal log
    ctl.run("put", "after", "snapshot").ok();
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        onLagging.run("get", "after", "--print-value-only", "--consistency=s").out().equals("snapshot\n"));
  }

  /**
   * etcd keeps --snapshot-catchup-entries (5,000) entries behind each snapshot: a member that missed fewer than that,
   * across several snapshots, catches up through the log without a store transfer. The members keep no entry in
   * memory ({@code cairn.raft.log-cache-bytes=0}), so every entry sent and applied is read back from the WAL.
   */
  @Test
  void aMemberBrieflyBehindCatchesUpThroughTheLog() throws Exception {
    members = Member.cairnCluster(dir, 3, i -> Map.of("JAVA_TOOL_OPTIONS", "-Dcairn.raft.log-cache-bytes=0"),
        "--snapshot-count", "20");
    ClusterTest.awaitLeader(members);
    Member lagging = members.get(2);
    new Etcdctl(lagging.endpoint()).run("put", "early", "1").ok();
    lagging.stop();
    Etcdctl ctl = new Etcdctl(members.get(0).endpoint() + "," + members.get(1).endpoint());
    for (int i = 0; i < 60; i++) {
      ctl.run("put", "k" + i, "v" + i).ok();
    }
    String want = ctl.run("get", "", "--prefix", "-w", "simple").ok().out();
    assertThat(members.get(0).logText() + members.get(1).logText()).contains("log compacted");
    lagging.startProcess();
    Etcdctl onLagging = new Etcdctl(lagging.endpoint());
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
      Etcdctl.Result r = onLagging.run("get", "", "--prefix", "--consistency=s");
      return r.exit() == 0 && r.out().equals(want);
    });
    assertThat(lagging.logText()).doesNotContain("applied snapshot").contains("(0 of them in memory)");
    for (Member m : members) {
      assertThat(m.logText()).doesNotContain("sent database snapshot");
    }
  }
}
