package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.LeaseGrantRequest;
import io.cairn.proto.etcdserverpb.LeaseGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 3-member cluster with a small --quota-backend-bytes, filled past it with history (a few keys overwritten many
 * times): NOSPACE is raised through Raft on every member, every member refuses writes with etcd's exact error while
 * reads and deletes go on, and the operator's recovery (compact, defrag --cluster, alarm disarm) lets writes resume
 * without losing any acknowledged value.
 */
class QuotaAlarmTest {
  static final long QUOTA = 16L << 20;
  static final String NO_SPACE = "etcdserver: mvcc: database space exceeded";

  @TempDir
  Path dir;
  List<Member> members = new ArrayList<>();
  final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    channels.forEach(ManagedChannel::shutdownNow);
    for (Member m : members) {
      m.close();
    }
  }

  private ManagedChannel channel(Member m) {
    ManagedChannel ch = ManagedChannelBuilder.forTarget(m.endpoint()).usePlaintext().build();
    channels.add(ch);
    return ch;
  }

  @Test
  void noSpaceOnEveryMemberThenCompactDefragDisarmAndWritesResume() throws Exception {
    members = Member.cairnCluster(dir, 3, "--quota-backend-bytes=" + QUOTA);
    ClusterTest.awaitLeader(members);
    String all = ClusterTest.endpoints(members);
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel(members.get(0)));

    // 8 keys of 256 KiB overwritten in turn: the live data stays at 2 MiB, the history fills the quota
    Map<String, ByteString> acked = new HashMap<>();
    Map<String, ByteString> refused = new HashMap<>();
    Random random = new Random(14);
    StatusRuntimeException failure = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    for (int i = 0; i < 400 && failure == null && System.nanoTime() < deadline; i++) {
      String key = "k" + (i % 8);
      byte[] v = new byte[256 << 10];
      random.nextBytes(v);
      ByteString value = ByteString.copyFrom(v);
      try {
        kv.withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
            .put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(value).build());
        acked.put(key, value);
      } catch (StatusRuntimeException e) {
        failure = e;
        refused.put(key, value);
      }
    }
    assertThat(failure).as("the store grew past the quota without a refusal").isNotNull();
    assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(failure.getStatus().getDescription()).isEqualTo(NO_SPACE);

    // the alarm is applied through Raft on every member
    for (Member m : members) {
      Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() ->
          new Etcdctl(m.endpoint()).run("alarm", "list").out().contains("alarm:NOSPACE"));
    }
    String list = new Etcdctl(members.get(1).endpoint()).run("alarm", "list").ok().out();
    assertThat(list).matches("(memberID:\\d+ alarm:NOSPACE \n)+");
    // the alarm is kept in the store: a restarted member still has it (and refuses writes at once)
    Member restarted = members.get(1);
    restarted.stop();
    restarted.startProcess();
    ClusterTest.awaitLeader(members);
    assertThat(new Etcdctl(restarted.endpoint()).run("alarm", "list").ok().out()).isEqualTo(list);

    for (Member m : members) {
      Etcdctl ctl = new Etcdctl(m.endpoint());
      Etcdctl.Result put = ctl.run("put", "small", "x");
      assertThat(put.exit()).as(put.toString()).isNotZero();
      assertThat(put.err()).contains("Error: " + NO_SPACE);
      Etcdctl.Result grant = ctl.run("lease", "grant", "60");
      assertThat(grant.err()).contains("failed to grant lease (" + NO_SPACE + ")");
      // reads go on, everywhere
      assertThat(ctl.run("get", "k0", "--print-value-only").ok().out()).isNotEmpty();
      // Status lists the alarm as etcd does; /health turns false unless NOSPACE is excluded
      assertThat(ctl.run("endpoint", "status", "-w", "json").ok().out()).containsPattern(
          "\"errors\":\\[\"memberID:\\d+ alarm:NOSPACE \"");
      assertThat(Http1.get(m.clientPort, "/health").text()).contains("\"health\":\"false\"")
          .contains("ALARM NOSPACE");
      assertThat(Http1.get(m.clientPort, "/health?exclude=NOSPACE").text()).contains("\"health\":\"true\"");
    }
    // a txn that puts is refused; one that only reads is served
    TxnRequest txnPut = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestPut(
        PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("t")).setValue(ByteString.copyFromUtf8("v")))).build();
    StatusRuntimeException txnErr = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
        () -> KVGrpc.newBlockingStub(channel(members.get(2))).txn(txnPut));
    assertThat(txnErr.getStatus().getDescription()).isEqualTo(NO_SPACE);
    TxnRequest txnRead = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestRange(
        RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k1")))).build();
    assertThat(KVGrpc.newBlockingStub(channel(members.get(2))).txn(txnRead).getSucceeded()).isTrue();
    StatusRuntimeException grantErr = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
        () -> LeaseGrpc.newBlockingStub(channel(members.get(1))).leaseGrant(
            LeaseGrantRequest.newBuilder().setTTL(60).build()));
    assertThat(grantErr.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    // deletes go on while the alarm is active
    Etcdctl ctl = new Etcdctl(members.get(2).endpoint());
    assertThat(ctl.run("del", "no-such-key").ok().out()).isEqualTo("0\n");

    // the operator's recovery, as docs/operations.md walks through it
    String status = ctl.run("endpoint", "status", "-w", "json").ok().out();
    Matcher rev = Pattern.compile("\"revision\":(\\d+)").matcher(status);
    assertThat(rev.find()).isTrue();
    assertThat(ctl.run("compact", rev.group(1)).ok().out()).isEqualTo("compacted revision " + rev.group(1) + "\n");
    new Etcdctl(all).run("defrag", "--cluster").ok();
    for (Member m : members) {
      long size = dbSize(new Etcdctl(m.endpoint()).run("endpoint", "status", "-w", "json").ok().out());
      assertThat(size).as("member %s after compact and defrag", m.endpoint()).isLessThan(QUOTA / 2);
    }
    String disarmed = ctl.run("alarm", "disarm").ok().out();
    assertThat(disarmed).matches("(memberID:\\d+ alarm:NOSPACE \n)+");
    for (Member m : members) {
      assertThat(new Etcdctl(m.endpoint()).run("alarm", "list").ok().out()).isEmpty();
    }
    for (Member m : members) {
      new Etcdctl(m.endpoint()).run("put", "after/" + m.clientPort, "ok").ok();
      new Etcdctl(m.endpoint()).run("lease", "grant", "60").ok();
    }

    // nothing acknowledged is lost: every key holds its last acknowledged value (or the refused one, which etcd's
    // quota applier may have applied while answering NOSPACE)
    for (Member m : members) {
      KVGrpc.KVBlockingStub reader = KVGrpc.newBlockingStub(channel(m));
      for (Map.Entry<String, ByteString> e : acked.entrySet()) {
        ByteString got = reader.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(e.getKey()))
            .setSerializable(false).build()).getKvs(0).getValue();
        ByteString maybe = refused.get(e.getKey());
        assertThat(got.equals(e.getValue()) || got.equals(maybe)).as("key %s on %s", e.getKey(), m.endpoint())
            .isTrue();
      }
      assertThat(reader.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("after/"))
          .setRangeEnd(ByteString.copyFromUtf8("after0")).build()).getCount()).isEqualTo(3);
    }
  }

  static long dbSize(String statusJson) {
    Matcher m = Pattern.compile("\"dbSize\":(\\d+)").matcher(statusJson);
    assertThat(m.find()).as(statusJson).isTrue();
    return Long.parseLong(m.group(1));
  }
}
