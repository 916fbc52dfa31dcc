package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.etcdserverpb.AlarmRequest;
import io.cairn.proto.etcdserverpb.AlarmType;
import io.cairn.proto.etcdserverpb.MaintenanceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An alarm raised while a member is down reaches it in the snapshot it catches up from (the log entry that raised
 * it is compacted away by then): the member lists it and refuses writes like the others.
 */
class AlarmSnapshotTest {
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
  void anAlarmTravelsWithTheSnapshotToAMemberThatWasDown() throws Exception {
    members = Member.cairnCluster(dir, 3, "--snapshot-count", "20", "--experimental-snapshot-catchup-entries", "5");
    ClusterTest.awaitLeader(members);
    Member lagging = members.get(2);
    new Etcdctl(lagging.endpoint()).run("put", "early", "1").ok();
    lagging.stop();
    ManagedChannel ch = ManagedChannelBuilder.forTarget(members.get(0).endpoint()).usePlaintext().build();
    try {
      MaintenanceGrpc.newBlockingStub(ch).alarm(AlarmRequest.newBuilder()
          .setAction(AlarmRequest.AlarmAction.ACTIVATE).setMemberID(0x1234).setAlarm(AlarmType.NOSPACE).build());
    } finally {
      ch.shutdownNow();
    }
    Etcdctl ctl = new Etcdctl(members.get(0).endpoint() + "," + members.get(1).endpoint());
    for (int i = 0; i < 60; i++) {
      ctl.run("del", "k" + i).ok(); // deletes go on under NOSPACE; each is a log entry
    }
    assertThat(members.get(0).logText() + members.get(1).logText()).contains("log compacted");
    lagging.startProcess();
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
        lagging.logText().contains("\"replaced-store\":true")); // the "applied snapshot" line of an install
    Etcdctl onLagging = new Etcdctl(lagging.endpoint());
    Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
        onLagging.run("alarm", "list").out().equals("memberID:4660 alarm:NOSPACE \n"));
    Etcdctl.Result put = onLagging.run("put", "k", "v");
    assertThat(put.exit()).isNotZero();
    assertThat(put.err()).contains("Error: etcdserver: mvcc: database space exceeded");
    assertThat(onLagging.run("alarm", "disarm").ok().out()).isEqualTo("memberID:4660 alarm:NOSPACE \n");
    onLagging.run("put", "k", "v").ok();
  }
}
