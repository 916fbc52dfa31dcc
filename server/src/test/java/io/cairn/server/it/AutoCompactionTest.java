package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Periodic auto-compaction end to end on a 3-member cluster: the leader compacts through Raft, so history older
 * than the retention is gone on every member, while the latest values stay. (The schedule itself is unit-tested on a
 * fake clock in PeriodicCompactorTest.)
 */
class AutoCompactionTest {
  static final String COMPACTED = "etcdserver: mvcc: required revision has been compacted";

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
  void periodicRetentionCompactsOldHistoryOnEveryMember() throws Exception {
    members = Member.cairnCluster(dir, 3, "--auto-compaction-mode=periodic", "--auto-compaction-retention=2s");
    ClusterTest.awaitLeader(members);
    Etcdctl ctl = new Etcdctl(members.get(0).endpoint());
    for (int i = 0; i < 5; i++) {
      ctl.run("put", "k", "v" + i).ok(); // revisions 2..6
    }
    assertThat(ctl.run("get", "k", "--rev=2", "--print-value-only").ok().out()).isEqualTo("v0\n");
    // a period after the writes, the revision recorded then (6 or later) is compacted, on every member
    for (Member m : members) {
      Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() ->
          new Etcdctl(m.endpoint()).run("get", "k", "--rev=5", "--consistency=s").err().contains(COMPACTED));
      assertThat(new Etcdctl(m.endpoint()).run("get", "k", "--print-value-only", "--consistency=s").ok().out())
          .isEqualTo("v4\n");
    }
    String logs = members.get(0).logText() + members.get(1).logText() + members.get(2).logText();
    assertThat(logs).contains("completed auto periodic compaction");
  }
}
