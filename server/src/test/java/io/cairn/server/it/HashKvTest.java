package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.etcdserverpb.LeaseGrantRequest;
import io.cairn.proto.etcdserverpb.LeaseGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
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
 * {@code etcdctl endpoint hashkv}: the same value as real etcd for the same requests, and the same value on every
 * member of a Cairn cluster at the same revision.
 */
class HashKvTest {
  @TempDir
  Path dir;
  final List<Member> members = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Member m : members) {
      m.close();
    }
  }

  /** Every "hash" in an `endpoint hashkv -w json` answer, in endpoint order. */
  static List<Long> hashes(String json) {
    List<Long> out = new ArrayList<>();
    Matcher m = Pattern.compile("\"hash\":(\\d+)").matcher(json);
    while (m.find()) {
      out.add(Long.parseLong(m.group(1)));
    }
    return out;
  }

  private static void grantLease(Member m, long id) {
    ManagedChannel ch = ManagedChannelBuilder.forTarget(m.endpoint()).usePlaintext().build();
    try {
      LeaseGrpc.newBlockingStub(ch).leaseGrant(LeaseGrantRequest.newBuilder().setID(id).setTTL(3600).build());
    } finally {
      ch.shutdownNow();
    }
  }

  /** Puts, a txn, a leased key, deletes and compactions, hashed at several revisions, on etcd and on Cairn. */
  @Test
  void sameAsEtcdForTheSameHistory() throws Exception {
    Member etcd = Member.etcd(dir);
    members.add(etcd);
    Member cairn = Member.cairn(dir);
    members.add(cairn);
    List<String> answers = new ArrayList<>();
    for (Member m : List.of(etcd, cairn)) {
      Etcdctl ctl = new Etcdctl(m.endpoint());
      StringBuilder seen = new StringBuilder();
      ctl.run("put", "a", "1").ok();
      ctl.run("put", "b", "2").ok();
      ctl.runWithInput("\nput c 3\nput d 4\n\n\n", "txn").ok();
      grantLease(m, 0x1234);
      ctl.run("put", "e", "", "--lease=1234").ok();
      ctl.run("del", "a").ok();
      seen.append(ctl.run("endpoint", "hashkv", "-w", "json").ok().out());
      seen.append(ctl.run("endpoint", "hashkv", "--rev", "3", "-w", "json").ok().out());
      ctl.run("compaction", "5").ok();
      seen.append(ctl.run("endpoint", "hashkv", "-w", "json").ok().out());
      ctl.run("put", "c", "5").ok();
      seen.append(ctl.run("endpoint", "hashkv", "--rev", "6", "-w", "json").ok().out());
      ctl.run("del", "", "--prefix").ok();
      seen.append(ctl.run("endpoint", "hashkv", "-w", "json").ok().out());
      ctl.run("put", "a", "9").ok();
      seen.append(ctl.run("endpoint", "hashkv", "-w", "json").ok().out());
      answers.add(seen.toString());
    }
    assertThat(hashes(answers.get(1))).hasSize(6).isEqualTo(hashes(answers.get(0)));
    assertThat(answers.get(1)).contains("\"compact_revision\":-1").contains("\"compact_revision\":5");
    // header revision and compact revision as etcd reports them (cluster and member ids differ, of course)
    assertThat(answers.get(1).replaceAll("\"(cluster_id|member_id|raft_term)\":\\d+", ""))
        .isEqualTo(answers.get(0).replaceAll("\"(cluster_id|member_id|raft_term)\":\\d+", "")
            .replace("127.0.0.1:" + etcd.clientPort, "127.0.0.1:" + cairn.clientPort));
  }

  @Test
  void equalOnEveryMemberOfAClusterAtTheSameRevision() throws Exception {
    members.addAll(Member.cairnCluster(dir, 3));
    ClusterTest.awaitLeader(members);
    for (int i = 0; i < 60; i++) {
      new Etcdctl(members.get(i % 3).endpoint()).run("put", "k/" + (i % 20), "v" + i).ok();
    }
    Etcdctl first = new Etcdctl(members.get(0).endpoint());
    first.run("del", "k/1").ok();
    first.run("compaction", "30").ok();
    first.run("put", "after", "compaction").ok();
    long rev = EtcdctlDifferentialTest.num(first.run("get", "after", "-w", "json").ok().out(), "revision");
    for (String at : List.of(Long.toString(rev), "40", "30")) {
      // followers may still be applying: wait until each member answers at that revision
      List<Long> perMember = new ArrayList<>();
      for (Member m : members) {
        perMember.add(Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
          List<Long> h = hashes(new Etcdctl(m.endpoint()).run("endpoint", "hashkv", "--rev", at, "-w", "json")
              .ok().out());
          return h.get(0);
        }, h -> true));
      }
      assertThat(perMember).as("hashkv at revision " + at).containsOnly(perMember.get(0));
    }
    assertThat(hashes(first.run("endpoint", "hashkv", "--rev", "40", "-w", "json").ok().out()))
        .isNotEqualTo(hashes(first.run("endpoint", "hashkv", "-w", "json").ok().out()));
  }
}
