package io.cairn.storage.bench;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreBatch;
import io.cairn.storage.mvcc.StoreOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A Kubernetes apiserver's paginated LIST on the MVCC store: 2,000 objects under {@code /registry/pods/<ns>/<name>}
 * in 10 namespaces, each written {@code versions} times with {@code valueBytes} values, the history compacted (as the
 * apiserver compacts every 5 minutes), then every object written once more. A page is a Range of one namespace with
 * limit 100, as {@code scripts/bench/k8s.sh} sends it:
 *
 * <ul>
 *   <li>{@link #firstPage}: at the current revision (the first page of a list);
 *   <li>{@link #pageAtRevision}: at the revision before the last writes (the next pages of a list are pinned to the
 *       first page's revision, which later writes have passed), so every key has a newer version to step over.
 * </ul>
 *
 * Run with {@code scripts/bench/jmh.sh storage ListBench}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ListBench {
  static final int OBJECTS = 2000;
  static final int NAMESPACES = 10;
  static final int PAGE = 100;

  @State(Scope.Thread)
  public static class Store {
    @Param({"256", "4096"})
    public int valueBytes;

    @Param({"1", "5"})
    public int versions;

    Path dir;
    MvccStore store;
    long pinned;
    int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      dir = Files.createTempDirectory("cairn-listbench");
      store = MvccStore.open(dir, StoreOptions.builder().syncWrites(false).build());
      byte[] v = new byte[valueBytes];
      new Random(1).nextBytes(v);
      ByteString value = ByteString.copyFrom(v);
      long index = store.consistentIndex();
      for (int round = 0; round < versions; round++) index = writeAll(value, index);
      store.compact(CompactionRequest.newBuilder().setRevision(store.currentRevision()).build(), ++index);
      pinned = store.currentRevision();
      writeAll(value, index);
    }

    private long writeAll(ByteString value, long index) {
      try (StoreBatch b = store.newBatch()) {
        for (int i = 0; i < OBJECTS; i++) {
          String name = "/registry/pods/ns" + (i % NAMESPACES) + "/pod-" + i;
          b.put(PutRequest.newBuilder().setKey(ByteString.copyFrom(name, StandardCharsets.US_ASCII))
              .setValue(value).build(), ++index);
          if (b.size() == 500) b.commit();
        }
        b.commit();
      }
      return index;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      store.close();
      BenchDirs.delete(dir);
    }

    RangeRequest.Builder nextPage() {
      String prefix = "/registry/pods/ns" + (next++ % NAMESPACES) + "/";
      String end = prefix.substring(0, prefix.length() - 1) + "0";
      return RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(prefix))
          .setRangeEnd(ByteString.copyFromUtf8(end)).setLimit(PAGE);
    }
  }

  private static RangeResponse checked(RangeResponse r) {
    if (r.getKvsCount() != PAGE || r.getCount() != OBJECTS / NAMESPACES) {
      throw new IllegalStateException("page of " + r.getKvsCount() + ", count " + r.getCount());
    }
    return r;
  }

  @Benchmark
  public RangeResponse firstPage(Store s) {
    return checked(s.store.range(s.nextPage().build()));
  }

  @Benchmark
  public RangeResponse pageAtRevision(Store s) {
    return checked(s.store.range(s.nextPage().setRevision(s.pinned).build()));
  }
}
