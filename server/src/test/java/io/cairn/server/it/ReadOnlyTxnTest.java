package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.Compare;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.TxnResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A txn of only ranges is served as etcd serves it: like a range, not through Raft. So a member that has lost
 * quorum still answers one whose ranges are all serializable (as etcd does), and never a linearizable one. And a
 * response is bounded by --max-response-bytes, whether a range's or a read-only txn's.
 */
class ReadOnlyTxnTest {
  @TempDir Path dir;
  List<Member> members = new ArrayList<>();
  ManagedChannel channel;

  @AfterEach
  void stop() throws Exception {
    if (channel != null) channel.shutdownNow();
    for (Member m : members) m.close();
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static TxnRequest readOnly(boolean serializable) {
    RangeRequest get = RangeRequest.newBuilder().setKey(bs("k")).setSerializable(serializable).build();
    return TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(bs("k")).setTarget(Compare.CompareTarget.VALUE)
            .setResult(Compare.CompareResult.EQUAL).setValue(bs("v")))
        .addSuccess(RequestOp.newBuilder().setRequestRange(get))
        .build();
  }

  @Test
  void aSerializableReadOnlyTxnIsAnsweredWithoutQuorum() throws Exception {
    members = Member.cairnCluster(dir, 3);
    ClusterTest.awaitLeader(members);
    Member survivor = members.get(0);
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", survivor.clientPort).usePlaintext().build();
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
    kv.withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder().setKey(bs("k")).setValue(bs("v")).build());
    // linearizable: it needs the leader; with quorum it succeeds
    TxnResponse withQuorum = kv.withDeadlineAfter(10, TimeUnit.SECONDS).txn(readOnly(false));
    assertThat(withQuorum.getSucceeded()).isTrue();
    assertThat(withQuorum.getResponses(0).getResponseRange().getKvs(0).getValue()).isEqualTo(bs("v"));

    members.get(1).kill();
    members.get(2).kill();
    TxnResponse alone = kv.withDeadlineAfter(5, TimeUnit.SECONDS).txn(readOnly(true));
    assertThat(alone.getSucceeded()).isTrue();
    assertThat(alone.getResponses(0).getResponseRange().getKvs(0).getValue()).isEqualTo(bs("v"));
    assertThat(alone.getHeader().getRevision()).isEqualTo(withQuorum.getHeader().getRevision());
    assertThatThrownBy(() -> kv.withDeadlineAfter(3, TimeUnit.SECONDS).txn(readOnly(false)))
        .isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void aResponseOverMaxResponseBytesIsRefusedAndSmallerOnesServed() throws Exception {
    members = Member.cairnCluster(dir, 1, "--max-response-bytes=20000");
    ClusterTest.awaitLeader(members);
    Etcdctl ctl = new Etcdctl(members.get(0).endpoint());
    String value = "v".repeat(1000);
    for (int i = 0; i < 30; i++) ctl.run("put", String.format("big/%02d", i), value).ok();
    Etcdctl.Result all = ctl.run("get", "big/", "--prefix");
    assertThat(all.exit()).isNotZero();
    assertThat(all.err()).contains("grpc: trying to send message larger than max (").contains(" vs. 20000)");
    Etcdctl.Result txn = ctl.runWithInput("\nget big/ --prefix\n\n\n", "txn");
    assertThat(txn.exit()).isNotZero();
    assertThat(txn.err()).contains("grpc: trying to send message larger than max (");
    assertThat(ctl.run("get", "big/", "--prefix", "--limit=10", "--keys-only").ok().out().lines()
        .filter(l -> l.startsWith("big/")).count()).isEqualTo(10);
    assertThat(ctl.run("get", "big/", "--prefix", "--limit=1", "-w", "json").ok().out()).contains("\"count\":30");
  }
}
