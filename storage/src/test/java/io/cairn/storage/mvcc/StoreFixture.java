package io.cairn.storage.mvcc;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.proto.etcdserverpb.Compare;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.DeleteRangeResponse;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.PutResponse;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.mvccpb.KeyValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksIterator;

/** Request builders and store helpers shared by the tests. */
final class StoreFixture {
  private StoreFixture() {}

  static StoreOptions fastOptions() {
    // fsync off: the tests do not simulate power loss, and it keeps the suite fast
    return StoreOptions.builder().syncWrites(false).blockCacheBytes(8 << 20).writeBufferBytes(4 << 20).build();
  }

  static ByteString bs(String s) {
    return ByteString.copyFrom(s, StandardCharsets.ISO_8859_1);
  }

  static String str(ByteString b) {
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  static PutRequest.Builder putReq(String k, String v) {
    return PutRequest.newBuilder().setKey(bs(k)).setValue(bs(v));
  }

  static PutResponse put(MvccStore s, String k, String v) {
    return s.put(putReq(k, v).build(), 0);
  }

  static DeleteRangeResponse delete(MvccStore s, String k, String end) {
    return s.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs(k)).setRangeEnd(bs(end)).build(), 0);
  }

  static RangeRequest.Builder rangeReq(String k, String end) {
    return RangeRequest.newBuilder().setKey(bs(k)).setRangeEnd(bs(end));
  }

  static RangeResponse get(MvccStore s, String k) {
    return s.range(rangeReq(k, "").build());
  }

  static KeyValue kv(MvccStore s, String k) {
    RangeResponse r = get(s, k);
    return r.getKvsCount() == 0 ? null : r.getKvs(0);
  }

  static List<String> keys(RangeResponse r) {
    return r.getKvsList().stream().map(kv -> str(kv.getKey())).toList();
  }

  static void compact(MvccStore s, long rev, boolean physical) {
    s.compact(CompactionRequest.newBuilder().setRevision(rev).setPhysical(physical).build(), 0);
  }

  static RequestOp op(PutRequest.Builder p) {
    return RequestOp.newBuilder().setRequestPut(p).build();
  }

  static RequestOp op(RangeRequest.Builder r) {
    return RequestOp.newBuilder().setRequestRange(r).build();
  }

  static RequestOp op(DeleteRangeRequest.Builder d) {
    return RequestOp.newBuilder().setRequestDeleteRange(d).build();
  }

  static RequestOp op(TxnRequest.Builder t) {
    return RequestOp.newBuilder().setRequestTxn(t).build();
  }

  static DeleteRangeRequest.Builder delReq(String k, String end) {
    return DeleteRangeRequest.newBuilder().setKey(bs(k)).setRangeEnd(bs(end));
  }

  static Compare.Builder cmp(String key, Compare.CompareTarget target, Compare.CompareResult result) {
    return Compare.newBuilder().setKey(bs(key)).setTarget(target).setResult(result);
  }

  /** Number of raw entries in a column family (to observe physical compaction). */
  static int rawCount(MvccStore s, ColumnFamilyHandle cf) {
    int n = 0;
    try (RocksIterator it = s.database().newIterator(cf)) {
      for (it.seekToFirst(); it.isValid(); it.next()) n++;
    }
    return n;
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) return;
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
