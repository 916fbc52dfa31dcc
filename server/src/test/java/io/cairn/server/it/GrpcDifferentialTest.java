package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.cairn.proto.etcdserverpb.Compare;
import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.ResponseHeader;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Raw gRPC KV requests (including options etcdctl 3.4 cannot send: count_only, min/max revision
 * filters, nested txns, range compares, invalid input) sent to real etcd and to Cairn; responses
 * and errors (code and message) must be equal once header ids are masked.
 */
class GrpcDifferentialTest extends SideBySide {
  static ManagedChannel etcdChannel;
  static ManagedChannel cairnChannel;

  @BeforeAll
  static void connect() {
    etcdChannel = ManagedChannelBuilder.forTarget(etcd.endpoint()).usePlaintext().build();
    cairnChannel = ManagedChannelBuilder.forTarget(cairn.endpoint()).usePlaintext().build();
  }

  @AfterAll
  static void disconnect() throws Exception {
    for (ManagedChannel c : new ManagedChannel[] {etcdChannel, cairnChannel}) {
      if (c != null) {
        c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  static RangeRequest.Builder range(String key, String end) {
    return RangeRequest.newBuilder().setKey(b(key)).setRangeEnd(b(end));
  }

  static RequestOp put(String k, String v) {
    return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(k)).setValue(b(v))).build();
  }

  static RequestOp get(String k, String end) {
    return RequestOp.newBuilder().setRequestRange(range(k, end)).build();
  }

  static RequestOp del(String k, String end) {
    return RequestOp.newBuilder().setRequestDeleteRange(
        DeleteRangeRequest.newBuilder().setKey(b(k)).setRangeEnd(b(end)).setPrevKv(true)).build();
  }

  static Compare cmp(String key, Compare.CompareTarget t, Compare.CompareResult r, long n) {
    Compare.Builder c = Compare.newBuilder().setKey(b(key)).setTarget(t).setResult(r);
    switch (t) {
      case VERSION -> c.setVersion(n);
      case CREATE -> c.setCreateRevision(n);
      case MOD -> c.setModRevision(n);
      case LEASE -> c.setLease(n);
      default -> { }
    }
    return c.build();
  }

  static Compare cmpValue(String key, Compare.CompareResult r, String v) {
    return Compare.newBuilder().setKey(b(key)).setTarget(Compare.CompareTarget.VALUE).setResult(r).setValue(b(v)).build();
  }

  /** Every call of the sequence, in order; each returns a response or throws a status. */
  List<Function<KVGrpc.KVBlockingStub, Message>> calls() {
    List<Function<KVGrpc.KVBlockingStub, Message>> l = new ArrayList<>();
    for (String k : new String[] {"a", "b", "c", "d", "e", "b", "c", "c"}) {
      l.add(s -> s.put(PutRequest.newBuilder().setKey(b(k)).setValue(b("v-" + k)).setPrevKv(true).build()));
    }
    l.add(s -> s.range(range("a", "z").setCountOnly(true).build()));
    l.add(s -> s.range(range("a", "z").setLimit(2).build()));
    l.add(s -> s.range(range("a", "z").setLimit(2).setKeysOnly(true).build()));
    l.add(s -> s.range(range("a", "z").setMinModRevision(4).build()));
    l.add(s -> s.range(range("a", "z").setMaxModRevision(4).setLimit(1).build()));
    l.add(s -> s.range(range("a", "z").setMinCreateRevision(3).setMaxCreateRevision(5).build()));
    l.add(s -> s.range(range("a", "z").setMinModRevision(3).setCountOnly(true).build()));
    l.add(s -> s.range(range("a", "z").setSortTarget(RangeRequest.SortTarget.VERSION).build()));
    l.add(s -> s.range(range("a", "z").setSortTarget(RangeRequest.SortTarget.MOD)
        .setSortOrder(RangeRequest.SortOrder.DESCEND).setLimit(3).build()));
    l.add(s -> s.range(range("a", "z").setRevision(3).build()));
    l.add(s -> s.range(range("a", "z").setRevision(999).build()));
    l.add(s -> s.range(range("\0", "\0").build()));
    l.add(s -> s.range(range("c", "").setRevision(5).build()));
    l.add(s -> s.range(range("", "").build()));
    l.add(s -> s.range(range("b", "\0").setLimit(1).build()));
    l.add(s -> s.put(PutRequest.newBuilder().setKey(b("")).setValue(b("x")).build()));
    l.add(s -> s.put(PutRequest.newBuilder().setKey(b("a")).setLease(12345).build()));
    l.add(s -> s.put(PutRequest.newBuilder().setKey(b("a")).setValue(b("x")).setIgnoreValue(true).build()));
    l.add(s -> s.put(PutRequest.newBuilder().setKey(b("nokey")).setIgnoreValue(true).build()));
    l.add(s -> s.put(PutRequest.newBuilder().setKey(b("a")).setIgnoreValue(true).setPrevKv(true).build()));
    l.add(s -> s.put(PutRequest.newBuilder().setKey(b("a")).setLease(5).setIgnoreLease(true).build()));
    l.add(s -> s.put(PutRequest.newBuilder().setKey(b("nokey")).setValue(b("x")).setIgnoreLease(true).build()));
    l.add(s -> s.put(PutRequest.newBuilder().setKey(b("b")).setValue(b("nv")).setIgnoreLease(true).build()));
    l.add(s -> s.deleteRange(DeleteRangeRequest.newBuilder().setKey(b("")).build()));
    l.add(s -> s.deleteRange(DeleteRangeRequest.newBuilder().setKey(b("x")).setRangeEnd(b("y")).build()));
    // transactions
    l.add(s -> s.txn(TxnRequest.newBuilder()
        .addCompare(cmp("a", Compare.CompareTarget.VERSION, Compare.CompareResult.GREATER, 0))
        .addCompare(cmp("a", Compare.CompareTarget.LEASE, Compare.CompareResult.EQUAL, 0))
        .addSuccess(put("t1", "1")).addSuccess(get("t", "u")).addSuccess(put("t2", "2")).addSuccess(get("t", "u"))
        .addSuccess(del("t1", "")).addSuccess(get("t", "u"))
        .build()));
    l.add(s -> s.txn(TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(b("a")).setRangeEnd(b("f"))
            .setTarget(Compare.CompareTarget.VERSION).setResult(Compare.CompareResult.GREATER).setVersion(0))
        .addSuccess(put("r", "all-exist")).addFailure(put("r", "not-all")).build()));
    l.add(s -> s.txn(TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(b("a")).setRangeEnd(b("z"))
            .setTarget(Compare.CompareTarget.MOD).setResult(Compare.CompareResult.LESS).setModRevision(5))
        .addSuccess(put("r2", "s")).addFailure(put("r2", "f")).build()));
    l.add(s -> s.txn(TxnRequest.newBuilder()
        .addCompare(cmpValue("missing", Compare.CompareResult.NOT_EQUAL, "x"))
        .addSuccess(put("vm", "s")).addFailure(put("vm", "f")).build()));
    l.add(s -> s.txn(TxnRequest.newBuilder()
        .addCompare(cmpValue("a", Compare.CompareResult.GREATER, "v-"))
        .addCompare(cmpValue("a", Compare.CompareResult.LESS, "v-b"))
        .addSuccess(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder()
            .addCompare(cmp("nested", Compare.CompareTarget.CREATE, Compare.CompareResult.EQUAL, 0))
            .addSuccess(put("nested", "1")).addSuccess(get("nested", "")).addFailure(put("nested", "2"))))
        .addSuccess(get("n", "o"))
        .build()));
    l.add(s -> s.txn(TxnRequest.newBuilder().build()));
    l.add(s -> s.txn(TxnRequest.newBuilder().addSuccess(get("a", "z")).build()));
    l.add(s -> s.txn(TxnRequest.newBuilder().addSuccess(put("d1", "1")).addSuccess(put("d1", "2")).build()));
    l.add(s -> s.txn(TxnRequest.newBuilder().addSuccess(del("d", "e")).addSuccess(put("d1", "2")).build()));
    l.add(s -> s.txn(TxnRequest.newBuilder().addSuccess(del("d", "e")).addSuccess(del("d", "f")).build()));
    l.add(s -> s.txn(TxnRequest.newBuilder().addSuccess(put("p", "1"))
        .addFailure(put("p", "1")).addFailure(put("q", "1")).build()));
    l.add(s -> s.txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().build()).build()));
    l.add(s -> s.txn(TxnRequest.newBuilder().addCompare(Compare.newBuilder().setKey(b(""))).build()));
    l.add(s -> {
      TxnRequest.Builder t = TxnRequest.newBuilder();
      for (int i = 0; i < 129; i++) {
        t.addSuccess(get("k" + i, ""));
      }
      return s.txn(t.build());
    });
    l.add(s -> {
      TxnRequest.Builder t = TxnRequest.newBuilder();
      for (int i = 0; i < 128; i++) {
        t.addSuccess(put("many" + i, "v"));
      }
      return s.txn(t.build());
    });
    l.add(s -> s.txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestRange(
        range("a", "z").setRevision(999))).addSuccess(put("never", "1")).build()));
    l.add(s -> s.txn(TxnRequest.newBuilder().addSuccess(put("never", "1"))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("x")).setLease(77))).build()));
    l.add(s -> s.range(range("never", "").build()));
    l.add(s -> s.put(PutRequest.newBuilder().setKey(b("big")).setValue(ByteString.copyFrom(new byte[1572864])).build()));
    l.add(s -> s.put(PutRequest.newBuilder().setKey(b("big")).setValue(ByteString.copyFrom(new byte[1572000])).build()));
    // compaction
    l.add(s -> s.compact(CompactionRequest.newBuilder().setRevision(4).build()));
    l.add(s -> s.range(range("a", "z").setRevision(3).build()));
    l.add(s -> s.range(range("a", "z").setRevision(4).setCountOnly(true).build()));
    l.add(s -> s.compact(CompactionRequest.newBuilder().setRevision(4).build()));
    l.add(s -> s.compact(CompactionRequest.newBuilder().setRevision(100000).build()));
    l.add(s -> s.compact(CompactionRequest.newBuilder().setRevision(9).setPhysical(true).build()));
    l.add(s -> s.range(range("a", "z").setRevision(9).build()));
    l.add(s -> s.range(range("\0", "\0").setKeysOnly(true).build()));
    return l;
  }

  @Test
  void sameResponsesAsEtcd() {
    KVGrpc.KVBlockingStub onEtcd = KVGrpc.newBlockingStub(etcdChannel).withDeadlineAfter(60, TimeUnit.SECONDS);
    KVGrpc.KVBlockingStub onCairn = KVGrpc.newBlockingStub(cairnChannel).withDeadlineAfter(60, TimeUnit.SECONDS);
    List<String> mismatches = new ArrayList<>();
    int i = 0;
    for (Function<KVGrpc.KVBlockingStub, Message> call : calls()) {
      String want = outcome(call, onEtcd);
      String got = outcome(call, onCairn);
      if (!want.equals(got)) {
        mismatches.add("call #" + i + "\n--- etcd:\n" + want + "\n--- cairn:\n" + got);
      }
      i++;
    }
    assertThat(mismatches).as("calls answered differently from etcd").isEmpty();
  }

  /**
   * etcd 3.5+ rejects out-of-range sort enums (3.4 ignores a bad order and crashes on a bad target),
   * so this is checked against Cairn alone, with 3.6's answer.
   */
  @Test
  void invalidSortOptionsAreRejectedAsEtcd36Does() {
    KVGrpc.KVBlockingStub onCairn = KVGrpc.newBlockingStub(cairnChannel).withDeadlineAfter(60, TimeUnit.SECONDS);
    assertThat(outcome(s -> s.range(range("a", "z").setSortOrderValue(7).build()), onCairn))
        .isEqualTo("INVALID_ARGUMENT: etcdserver: invalid sort option");
    assertThat(outcome(s -> s.range(range("a", "z").setSortTargetValue(9).build()), onCairn))
        .isEqualTo("INVALID_ARGUMENT: etcdserver: invalid sort option");
  }

  static String outcome(Function<KVGrpc.KVBlockingStub, Message> call, KVGrpc.KVBlockingStub stub) {
    try {
      return TextFormat.printer().printToString(maskHeaders(call.apply(stub)));
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }
  }

  /** Masks cluster and member ids in every header, at any depth. */
  static Message maskHeaders(Message m) {
    Message.Builder b = m.toBuilder();
    for (var f : m.getDescriptorForType().getFields()) {
      if (f.getJavaType() != com.google.protobuf.Descriptors.FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (f.isRepeated()) {
        for (int i = 0; i < m.getRepeatedFieldCount(f); i++) {
          b.setRepeatedField(f, i, maskHeaders((Message) m.getRepeatedField(f, i)));
        }
      } else if (m.hasField(f)) {
        Message v = (Message) m.getField(f);
        if (v instanceof ResponseHeader h) {
          v = h.toBuilder().setClusterId(h.getClusterId() == 0 ? 0 : 1).setMemberId(h.getMemberId() == 0 ? 0 : 1).build();
        } else {
          v = maskHeaders(v);
        }
        b.setField(f, v);
      }
    }
    return b.build();
  }
}
