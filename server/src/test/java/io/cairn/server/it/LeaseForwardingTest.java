package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower forwards lease renewals and TTL questions to the leader over the peer port, as etcd does: with auth
 * on they work on every member (forwarded through the client port, the leader refused them: "user name is empty").
 */
class LeaseForwardingTest {
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
  void keepAliveAndTimeToLiveWorkOnEveryMemberWithAuthOn() throws Exception {
    members = Member.cairnCluster(dir, 3);
    ClusterTest.awaitLeader(members);
    Etcdctl first = new Etcdctl(members.get(0).endpoint());
    first.run("user", "add", "root:rootpw").ok();
    first.run("auth", "enable").ok();
    for (Member m : members) {
      Etcdctl ctl = new Etcdctl(m.endpoint());
      String granted = ctl.run("--user", "root:rootpw", "lease", "grant", "600").ok().out();
      Matcher id = Pattern.compile("lease ([0-9a-f]+) granted with TTL\\(600s\\)").matcher(granted);
      assertThat(id.find()).as(granted).isTrue();
      String lease = id.group(1);
      ctl.run("--user", "root:rootpw", "put", "k-" + lease, "v", "--lease", lease).ok();
      Etcdctl.Result ttl = ctl.run("--user", "root:rootpw", "lease", "timetolive", lease, "--keys");
      assertThat(ttl.exit()).as(m.endpoint() + ": " + ttl.err()).isZero();
      assertThat(ttl.out()).contains("lease " + lease + " granted with TTL(600s), remaining(")
          .contains("attached keys([k-" + lease + "])");
      Etcdctl.Result kept = ctl.run("--user", "root:rootpw", "lease", "keep-alive", "--once", lease);
      assertThat(kept.exit()).as(m.endpoint() + ": " + kept.err()).isZero();
      assertThat(kept.out()).contains("lease " + lease + " keepalived with TTL(600)");
      // an unknown lease: TTL -1 from the leader's lessor, wherever it is asked
      assertThat(ctl.run("--user", "root:rootpw", "lease", "timetolive", "1234abcd").ok().out())
          .contains("lease 000000001234abcd already expired");
    }
  }
}
