package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
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
 * One member's store altered on disk while it is stopped: with the initial check it refuses to start with etcd's
 * error; without it, the leader's periodic check raises CORRUPT through Raft and every member refuses writes with
 * etcd's "corrupt cluster".
 */
class CorruptionCheckTest {
  static final byte[] PRECIOUS = "precious-value".getBytes(StandardCharsets.UTF_8);
  static final byte[] TAMPERED = "tampered-value".getBytes(StandardCharsets.UTF_8);

  @TempDir
  Path dir;
  List<Member> members = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Member m : members) {
      m.close();
    }
  }

  /** Writes some history, waits until every member applied it, stops m3 and alters its copy of one value. */
  private Member corruptThirdMember() throws Exception {
    ClusterTest.awaitLeader(members);
    Etcdctl ctl = new Etcdctl(members.get(0).endpoint());
    for (int i = 0; i < 5; i++) {
      ctl.run("put", "k" + i, "v" + i).ok();
    }
    ctl.run("put", "precious", new String(PRECIOUS, StandardCharsets.UTF_8)).ok();
    ctl.run("put", "last", "x").ok();
    for (Member m : members) {
      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() ->
          new Etcdctl(m.endpoint()).run("get", "last", "--consistency=s", "--print-value-only").out().equals("x\n"));
    }
    Member third = members.get(2);
    third.stop();
    assertThat(StoreTamper.replaceValue(third.dataDir, PRECIOUS, TAMPERED)).isEqualTo(1);
    return third;
  }

  private static String memberId(Member m) {
    String status = new Etcdctl(m.endpoint()).run("endpoint", "status", "-w", "json").ok().out();
    Matcher id = Pattern.compile("\"member_id\":(\\d+)").matcher(status);
    assertThat(id.find()).as(status).isTrue();
    return id.group(1);
  }

  @Test
  void theInitialCheckRefusesToStartAMemberWhoseDataDiffers() throws Exception {
    members = Member.cairnCluster(dir, 3, "--experimental-initial-corrupt-check");
    String thirdId = memberId(members.get(2));
    Member third = corruptThirdMember();
    assertThatThrownBy(third::startProcess).hasMessageContaining(
        Long.toHexString(Long.parseUnsignedLong(thirdId)) + " found data inconsistency with peers");
    // an intact member restarts through the same check (3.6's feature-gate spelling is the same switch)
    Member second = members.get(1);
    second.stop();
    second.startProcess();
    // both peers asked: the check waits for the log's replay, which is where the membership comes from here
    assertThat(second.logText()).contains("; 2 peers asked").contains("initial corruption checking passed");
    ClusterTest.awaitLeader(members); // the first member stepped down while it had no quorum
    new Etcdctl(second.endpoint()).run("put", "after", "ok").ok();
  }

  @Test
  void thePeriodicCheckRaisesCorruptAndEveryMemberRefusesWrites() throws Exception {
    members = Member.cairnCluster(dir, 3, "--corrupt-check-time=1s");
    String thirdId = memberId(members.get(2));
    Member third = corruptThirdMember();
    third.startProcess();
    for (Member m : members) {
      Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() ->
          new Etcdctl(m.endpoint()).run("alarm", "list").out().contains("memberID:" + thirdId + " alarm:CORRUPT \n"));
    }
    for (Member m : members) {
      Etcdctl ctl = new Etcdctl(m.endpoint());
      Etcdctl.Result put = ctl.run("put", "k0", "new");
      assertThat(put.exit()).isNotZero();
      assertThat(put.err()).contains("Error: etcdserver: corrupt cluster").contains("code = DataLoss");
      assertThat(ctl.run("del", "k1").err()).contains("etcdserver: corrupt cluster");
      assertThat(ctl.run("get", "k0", "--print-value-only").ok().out()).isEqualTo("v0\n");
      assertThat(Http1.get(m.clientPort, "/health").text()).contains("\"health\":\"false\"")
          .contains("ALARM CORRUPT");
    }
  }

  @Test
  void theCompactionHashCheckMarksTheMemberWhoseCompactedHistoryDiffers() throws Exception {
    members = Member.cairnCluster(dir, 3, "--feature-gates=CompactHashCheck=true", "--compact-hash-check-time=1s");
    String thirdId = memberId(members.get(2));
    Member third = corruptThirdMember();
    third.startProcess();
    ClusterTest.awaitLeader(members);
    Etcdctl ctl = new Etcdctl(members.get(0).endpoint());
    // no compaction yet: nothing for the check to compare, and no alarm
    assertThat(ctl.run("alarm", "list").ok().out()).isEmpty();
    ctl.run("compact", "8").ok(); // the revision of "last": the tampered value is in the compacted history
    for (Member m : members) {
      Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() ->
          new Etcdctl(m.endpoint()).run("alarm", "list").out().equals("memberID:" + thirdId + " alarm:CORRUPT \n"));
    }
    Etcdctl.Result put = ctl.run("put", "k0", "new");
    assertThat(put.err()).contains("etcdserver: corrupt cluster");
    // the hash each member took at the compaction is what HashKV answers at that revision (etcd 3.6)
    String hashes = ctl.run("endpoint", "hashkv", "--rev=8", "--cluster", "-w", "json").ok().out();
    Matcher m = Pattern.compile("\"hash\":(\\d+)").matcher(hashes);
    List<String> found = new ArrayList<>();
    while (m.find()) {
      found.add(m.group(1));
    }
    assertThat(found).hasSize(3);
    assertThat(found.stream().distinct().count()).as(hashes).isEqualTo(2);
  }
}
