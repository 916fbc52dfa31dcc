package io.cairn.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.RangeStreamResponse;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.mvccpb.KeyValue;
import io.cairn.server.InProcessServer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd 3.7's KV.RangeStream against one in-process member over a real gRPC port (reference section 10). */
class RangeStreamTest {
  @TempDir static Path dir;
  static InProcessServer server;
  static KVGrpc.KVBlockingStub kv;

  @BeforeAll
  static void start() throws Exception {
    server = new InProcessServer(dir, "--election-timeout", "1000");
    kv = KVGrpc.newBlockingStub(server.channel).withMaxInboundMessageSize(64 << 20);
    // 300 small keys under s/; written in txns of 100 to keep the start quick
    for (int batch = 0; batch < 3; batch++) {
      TxnRequest.Builder t = TxnRequest.newBuilder();
      for (int i = batch * 100; i < (batch + 1) * 100; i++) {
        t.addSuccess(RequestOp.newBuilder().setRequestPut(put(String.format("s/%03d", i), "v" + i)));
      }
      stub().txn(t.build());
    }
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  static KVGrpc.KVBlockingStub stub() {
    return kv.withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  static PutRequest put(String k, String v) {
    return PutRequest.newBuilder().setKey(bs(k)).setValue(bs(v)).build();
  }

  static RangeRequest.Builder prefix(String p) {
    return RangeRequest.newBuilder().setKey(bs(p)).setRangeEnd(bs(p.substring(0, p.length() - 1)
        + (char) (p.charAt(p.length() - 1) + 1)));
  }

  static List<RangeResponse> stream(RangeRequest req) {
    List<RangeResponse> out = new ArrayList<>();
    stub().rangeStream(req).forEachRemaining(m -> out.add(m.getRangeResponse()));
    return out;
  }

  static List<Integer> sizes(List<RangeResponse> chunks) {
    return chunks.stream().map(RangeResponse::getKvsCount).toList();
  }

  static List<ByteString> keys(List<RangeResponse> chunks) {
    return chunks.stream().flatMap(c -> c.getKvsList().stream()).map(KeyValue::getKey).toList();
  }

  /** Intermediate chunks carry kvs only; header, more and count come once, on the last. */
  static void onlyLastCarriesSummary(List<RangeResponse> chunks) {
    for (RangeResponse c : chunks.subList(0, chunks.size() - 1)) {
      assertThat(c.hasHeader()).isFalse();
      assertThat(c.getMore()).isFalse();
      assertThat(c.getCount()).isZero();
    }
    assertThat(chunks.get(chunks.size() - 1).hasHeader()).isTrue();
  }

  static void fails(RangeRequest req, Status.Code code, String message) {
    assertThatThrownBy(() -> stream(req)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).isEqualTo(message);
    });
  }

  @Test
  void chunksStartAtTenDoubleAndMergeIntoTheUnaryRange() {
    RangeRequest req = prefix("s/").build();
    List<RangeResponse> chunks = stream(req);
    assertThat(sizes(chunks)).containsExactly(10, 20, 40, 80, 150);
    onlyLastCarriesSummary(chunks);
    RangeResponse unary = stub().range(req);
    assertThat(keys(chunks)).isEqualTo(unary.getKvsList().stream().map(KeyValue::getKey).toList());
    assertThat(chunks.stream().flatMap(c -> c.getKvsList().stream()).toList()).isEqualTo(unary.getKvsList());
    RangeResponse last = chunks.get(chunks.size() - 1);
    assertThat(last.getCount()).isEqualTo(300);
    assertThat(last.getMore()).isFalse();
    assertThat(last.getHeader()).isEqualTo(unary.getHeader());
  }

  @Test
  void limitCapsTheChunksAndLeavesMoreAndTheFullCount() {
    List<RangeResponse> chunks = stream(prefix("s/").setLimit(25).build());
    assertThat(sizes(chunks)).containsExactly(10, 15);
    onlyLastCarriesSummary(chunks);
    assertThat(chunks.get(1).getMore()).isTrue();
    assertThat(chunks.get(1).getCount()).isEqualTo(300);
    assertThat(keys(chunks)).hasSize(25).last().isEqualTo(bs("s/024"));

    List<RangeResponse> one = stream(prefix("s/").setLimit(7).build());
    assertThat(sizes(one)).containsExactly(7);
    assertThat(one.get(0).getMore()).isTrue();
    assertThat(one.get(0).getCount()).isEqualTo(300);

    List<RangeResponse> exact = stream(prefix("s/").setLimit(300).build());
    assertThat(exact.get(exact.size() - 1).getMore()).isFalse();
    assertThat(keys(exact)).hasSize(300);
  }

  @Test
  void countOnlyAndEmptyResultsAreOneMessage() {
    long rev = stub().range(RangeRequest.newBuilder().setKey(bs("s/000")).build()).getHeader().getRevision();
    List<RangeResponse> count = stream(prefix("s/").setCountOnly(true).build());
    assertThat(count).hasSize(1);
    assertThat(count.get(0).getKvsCount()).isZero();
    assertThat(count.get(0).getCount()).isEqualTo(300);
    assertThat(count.get(0).getHeader().getRevision()).isEqualTo(rev);

    List<RangeResponse> empty = stream(prefix("nothing/").build());
    assertThat(empty).hasSize(1);
    assertThat(empty.get(0).getKvsCount()).isZero();
    assertThat(empty.get(0).getCount()).isZero();
    assertThat(empty.get(0).getMore()).isFalse();
    assertThat(empty.get(0).getHeader().getRevision()).isEqualTo(rev);
    assertThat(empty.get(0).getHeader().getClusterId()).isNotZero();
  }

  @Test
  void keysOnlyAndSingleKeyAndSerializableAsUnaryRange() {
    RangeRequest keysOnly = prefix("s/").setKeysOnly(true).setSerializable(true).build();
    List<RangeResponse> chunks = stream(keysOnly);
    assertThat(chunks.stream().flatMap(c -> c.getKvsList().stream()).toList())
        .isEqualTo(stub().range(keysOnly).getKvsList())
        .allSatisfy(kv -> assertThat(kv.getValue()).isEmpty());

    List<RangeResponse> single = stream(RangeRequest.newBuilder().setKey(bs("s/042")).build());
    assertThat(single).hasSize(1);
    assertThat(single.get(0).getKvs(0).getValue()).isEqualTo(bs("v42"));
    assertThat(single.get(0).getCount()).isEqualTo(1);
  }

  @Test
  void refusesWhatEtcdRefusesWithItsCodesAndMessages() {
    RangeRequest.Builder k = prefix("s/");
    fails(RangeRequest.getDefaultInstance(), Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided");
    fails(k.clone().setSortOrderValue(99).build(), Status.Code.INVALID_ARGUMENT, "etcdserver: invalid sort option");
    fails(k.clone().setSortTargetValue(99).build(), Status.Code.INVALID_ARGUMENT, "etcdserver: invalid sort option");
    fails(RangeRequest.newBuilder().setSortOrderValue(99).build(), Status.Code.INVALID_ARGUMENT,
        "etcdserver: key is not provided");
    String sort = "RangeStream does not support custom sort orders";
    fails(k.clone().setSortOrder(RangeRequest.SortOrder.DESCEND).build(), Status.Code.UNIMPLEMENTED, sort);
    fails(k.clone().setSortOrder(RangeRequest.SortOrder.ASCEND).setSortTarget(RangeRequest.SortTarget.VALUE).build(),
        Status.Code.UNIMPLEMENTED, sort);
    fails(k.clone().setSortOrder(RangeRequest.SortOrder.DESCEND).setMinModRevision(1).build(),
        Status.Code.UNIMPLEMENTED, sort);
    String filters = "RangeStream does not support revision filters";
    fails(k.clone().setMinModRevision(1).build(), Status.Code.UNIMPLEMENTED, filters);
    fails(k.clone().setMaxModRevision(1).build(), Status.Code.UNIMPLEMENTED, filters);
    fails(k.clone().setMinCreateRevision(1).build(), Status.Code.UNIMPLEMENTED, filters);
    fails(k.clone().setMaxCreateRevision(1).build(), Status.Code.UNIMPLEMENTED, filters);
    long rev = stub().range(RangeRequest.newBuilder().setKey(bs("s/000")).build()).getHeader().getRevision();
    fails(k.clone().setRevision(rev + 10).build(), Status.Code.OUT_OF_RANGE,
        "etcdserver: mvcc: required revision is a future revision");
    // the default orders are served: NONE with any target, and KEY+ASCEND
    assertThat(keys(stream(k.clone().setSortTarget(RangeRequest.SortTarget.VALUE).build()))).hasSize(300);
    assertThat(keys(stream(k.clone().setSortOrder(RangeRequest.SortOrder.ASCEND).build()))).hasSize(300);
  }

  @Test
  void chunkLimitFollowsTheEncodedSize() {
    long target = 1000;
    assertThat(RangeStreamer.nextChunkLimit(10, 499, target)).isEqualTo(20);
    assertThat(RangeStreamer.nextChunkLimit(10, 500, target)).isEqualTo(10);
    assertThat(RangeStreamer.nextChunkLimit(10, 2000, target)).isEqualTo(10);
    assertThat(RangeStreamer.nextChunkLimit(10, 2001, target)).isEqualTo(5);
    assertThat(RangeStreamer.nextChunkLimit(1, 1 << 30, target)).isEqualTo(1);
  }

  @Test
  void largeValuesHalveTheChunks() {
    // 350 KB values: ten of them exceed twice --max-request-bytes (1.5 MiB), five sit between half and twice
    String big = "x".repeat(350_000);
    for (int i = 0; i < 30; i++) {
      stub().put(put(String.format("big/%02d", i), big));
    }
    List<RangeResponse> chunks = stream(prefix("big/").build());
    assertThat(sizes(chunks)).containsExactly(10, 5, 5, 5, 5);
    assertThat(chunks.get(chunks.size() - 1).getCount()).isEqualTo(30);
  }

  /** Values large enough that gRPC flow control keeps the server from reading far ahead of the client. */
  static void writeWide(KVGrpc.KVBlockingStub kv, String p, int n) {
    String v = "w".repeat(10_000);
    for (int batch = 0; batch < n; batch += 50) {
      TxnRequest.Builder t = TxnRequest.newBuilder();
      for (int i = batch; i < Math.min(n, batch + 50); i++) {
        t.addSuccess(RequestOp.newBuilder().setRequestPut(put(String.format("%s%03d", p, i), v)));
      }
      kv.withDeadlineAfter(60, TimeUnit.SECONDS).txn(t.build());
    }
  }

  @Test
  void writesDuringTheStreamAreNotSeen() {
    writeWide(kv, "pin/", 600);
    RangeRequest req = prefix("pin/").build();
    RangeResponse before = stub().range(req);
    Iterator<RangeStreamResponse> it = stub().rangeStream(req);
    List<RangeResponse> chunks = new ArrayList<>();
    chunks.add(it.next().getRangeResponse());
    stub().put(put("pin/590", "changed"));
    stub().put(put("pin/595x", "new"));
    stub().deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("pin/580")).build());
    it.forEachRemaining(m -> chunks.add(m.getRangeResponse()));
    onlyLastCarriesSummary(chunks);
    assertThat(chunks.stream().flatMap(c -> c.getKvsList().stream()).toList()).isEqualTo(before.getKvsList());
    RangeResponse last = chunks.get(chunks.size() - 1);
    assertThat(last.getHeader().getRevision()).isEqualTo(before.getHeader().getRevision());
    assertThat(last.getCount()).isEqualTo(600);
    // and the unary Range now sees the writes
    assertThat(stub().range(req).getCount()).isEqualTo(600);
    assertThat(stub().range(RangeRequest.newBuilder().setKey(bs("pin/590")).build()).getKvs(0).getValue())
        .isEqualTo(bs("changed"));
  }

  @Test
  void aCompactionPastThePinnedRevisionEndsTheStream() {
    writeWide(kv, "cmp/", 600);
    Iterator<RangeStreamResponse> it = stub().rangeStream(prefix("cmp/").build());
    List<RangeResponse> chunks = new ArrayList<>();
    chunks.add(it.next().getRangeResponse());
    long rev = stub().put(put("elsewhere", "x")).getHeader().getRevision();
    stub().compact(CompactionRequest.newBuilder().setRevision(rev).build());
    assertThatThrownBy(() -> it.forEachRemaining(m -> chunks.add(m.getRangeResponse())))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
          assertThat(e.getStatus().getDescription())
              .isEqualTo("etcdserver: mvcc: required revision has been compacted");
        });
    assertThat(chunks).noneMatch(RangeResponse::hasHeader);
    assertThat(keys(chunks).size()).isLessThan(600);
  }
}
