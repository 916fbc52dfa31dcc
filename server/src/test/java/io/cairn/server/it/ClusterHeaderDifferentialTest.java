package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Cluster service's response header carries no revision in etcd (only cluster id, member id and raft term), so
 * {@code etcdctl member list -w fields} prints "Revision" : 0 and the gateway's JSON has no revision; the same
 * output from both servers, apart from the ids, names and URLs each chose.
 */
class ClusterHeaderDifferentialTest extends SideBySide {
  /** Fields whose values are each server's own: ids, the member's name and its URLs. */
  private static final Pattern OWN = Pattern.compile(
      "^(\"(?:ClusterID|MemberID|ID|Name|PeerURL|ClientURL)\" : ).*$", Pattern.MULTILINE);

  static String masked(String fields) {
    return OWN.matcher(fields).replaceAll("$1X");
  }

  @Test
  void memberListFieldsMatchEtcds() throws Exception {
    String theirs = new Etcdctl(etcd.endpoint()).run("member", "list", "-w", "fields").ok().out();
    String mine = new Etcdctl(cairn.endpoint()).run("member", "list", "-w", "fields").ok().out();
    assertThat(theirs).contains("\"Revision\" : 0\n");
    assertThat(mine).contains("\"Revision\" : 0\n").contains("\"RaftTerm\" : ");
    assertThat(masked(mine)).isEqualTo(masked(theirs));
  }

  @Test
  void gatewayMemberListHeaderHasNoRevision() throws Exception {
    for (Member m : List.of(etcd, cairn)) {
      Http1.Response r = Http1.post(m.clientPort, "/v3/cluster/member/list", "{}");
      assertThat(r.status()).isEqualTo(200);
      Matcher header = Pattern.compile("\"header\":\\{([^}]*)}").matcher(r.text());
      assertThat(header.find()).as(m.kind + ": " + r.text()).isTrue();
      assertThat(header.group(1)).as(m.kind).doesNotContain("revision").contains("\"cluster_id\"", "\"member_id\"",
          "\"raft_term\"");
    }
  }

  /** MoveLeader answers an empty message in etcd: no header at all (a move to the leader itself succeeds at once). */
  @Test
  void moveLeaderAnswersWithoutHeader() throws Exception {
    for (Member m : List.of(etcd, cairn)) {
      Matcher id = Pattern.compile("\"member_id\":\"(\\d+)\"")
          .matcher(Http1.post(m.clientPort, "/v3/cluster/member/list", "{}").text());
      assertThat(id.find()).isTrue();
      Http1.Response r = Http1.post(m.clientPort, "/v3/maintenance/transfer-leadership",
          "{\"targetID\":\"" + id.group(1) + "\"}");
      assertThat(r.toString()).as(m.kind).isEqualTo("200 {}");
    }
  }
}
