package io.cairn.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.mvccpb.KeyValue;
import io.cairn.server.InProcessServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over random stores and random requests, the messages of a RangeStream merge into exactly the unary Range's answer
 * (kvs, count, more, header revision), in ascending disjoint chunks of which only the last carries the summary.
 */
class RangeStreamPropertyTest {
  @TempDir Path dir;

  @Test
  void mergedStreamIsTheUnaryRange() throws Exception {
    try (InProcessServer server = new InProcessServer(dir, "--election-timeout", "1000")) {
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(server.channel).withMaxInboundMessageSize(64 << 20);
      AtomicInteger example = new AtomicInteger();
      qt().withFixedSeed(20261206L).withExamples(200)
          .forAll(longs().all(), integers().between(0, 90), integers().between(0, 40), integers().between(0, 63))
          .checkAssert((seed, keys, limit, flags) ->
              check(kv.withDeadlineAfter(60, TimeUnit.SECONDS), "p" + example.incrementAndGet() + "/", seed, keys,
                  limit, flags));
    }
  }

  /** Two writes under {@code prefix} (a batch of puts, then puts and deletes), then one random request. */
  private static void check(KVGrpc.KVBlockingStub kv, String prefix, long seed, int keys, int limit, int flags) {
    Random rnd = new Random(seed);
    Map<String, String> first = new LinkedHashMap<>();
    for (int i = 0; i < keys; i++) {
      first.put(prefix + key(rnd), "v".repeat(rnd.nextInt(40)) + i);
    }
    long mid = kv.txn(puts(first, List.of())).getHeader().getRevision();
    Map<String, String> second = new LinkedHashMap<>();
    List<String> deletes = new ArrayList<>();
    for (String k : first.keySet()) {
      int r = rnd.nextInt(4);
      if (r == 0) {
        second.put(k, "again");
      } else if (r == 1) {
        deletes.add(k);
      }
    }
    kv.txn(puts(second, deletes));

    RangeRequest.Builder req = RangeRequest.newBuilder();
    switch (rnd.nextInt(4)) {
      case 0 -> req.setKey(bs(prefix + key(rnd))); // one key, maybe absent
      case 1 -> req.setKey(bs(prefix)).setRangeEnd(bs(prefix.substring(0, prefix.length() - 1) + "0"));
      case 2 -> { // [a, b) within the prefix, possibly empty or reversed
        req.setKey(bs(prefix + key(rnd))).setRangeEnd(bs(prefix + key(rnd)));
      }
      default -> req.setKey(bs(prefix + key(rnd))).setRangeEnd(ByteString.copyFrom(new byte[] {0})); // from key
    }
    req.setLimit(limit % 2 == 0 ? 0 : limit).setKeysOnly((flags & 1) != 0).setCountOnly((flags & 6) == 6)
        .setSerializable((flags & 16) != 0);
    if ((flags & 8) != 0) {
      req.setRevision(mid);
    }
    if ((flags & 32) != 0) {
      req.setSortOrder(RangeRequest.SortOrder.ASCEND).setSortTarget(RangeRequest.SortTarget.KEY);
    }
    RangeRequest r = req.build();

    List<RangeResponse> chunks = new ArrayList<>();
    kv.rangeStream(r).forEachRemaining(m -> chunks.add(m.getRangeResponse()));
    RangeResponse unary = kv.range(r);

    assertThat(chunks).as("%s", r).isNotEmpty();
    RangeResponse last = chunks.get(chunks.size() - 1);
    for (RangeResponse c : chunks.subList(0, chunks.size() - 1)) {
      assertThat(c.hasHeader() || c.getMore() || c.getCount() != 0).as("intermediate chunk %s", r).isFalse();
      assertThat(c.getKvsCount()).isPositive();
    }
    assertThat(chunks.get(0).getKvsCount()).isLessThanOrEqualTo(10);
    if (r.getCountOnly()) {
      assertThat(chunks).hasSize(1);
    }
    List<KeyValue> merged = chunks.stream().flatMap(c -> c.getKvsList().stream()).toList();
    for (int i = 1; i < merged.size(); i++) {
      assertThat(ByteString.unsignedLexicographicalComparator().compare(merged.get(i - 1).getKey(),
          merged.get(i).getKey())).as("ascending, disjoint").isNegative();
    }
    assertThat(merged).as("%s", r).isEqualTo(unary.getKvsList());
    assertThat(last.getCount()).as("count of %s", r).isEqualTo(unary.getCount());
    assertThat(last.getMore()).as("more of %s", r).isEqualTo(unary.getMore());
    assertThat(last.getHeader().getRevision()).isEqualTo(unary.getHeader().getRevision());
  }

  private static String key(Random rnd) {
    // a small alphabet so that keys collide, ranges cut between them and empty ranges occur
    return Integer.toString(rnd.nextInt(120), 36);
  }

  private static TxnRequest puts(Map<String, String> puts, List<String> deletes) {
    TxnRequest.Builder t = TxnRequest.newBuilder();
    puts.forEach((k, v) -> t.addSuccess(RequestOp.newBuilder()
        .setRequestPut(PutRequest.newBuilder().setKey(bs(k)).setValue(bs(v)))));
    deletes.forEach(k -> t.addSuccess(RequestOp.newBuilder()
        .setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(bs(k)))));
    return t.build();
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
