package io.cairn.storage.bench;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.PutResponse;
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
 * The MVCC store's hot paths on a real RocksDB store in a temporary directory, opened as the server opens it
 * ({@code syncWrites(false)}: the raft WAL is what is fsynced, see {@code CairnServer.storeOptions}), holding
 * {@code keys} existing 8-byte keys ({@code k0000000}...) with 256-byte values, flushed to SST files.
 *
 * <ul>
 *   <li>{@link #put}: the apply loop's write path ({@code RequestApplier} -> {@link StoreBatch#put} per committed
 *       entry, then one {@link StoreBatch#commit} per run of entries): {@code batch} puts of a 256-byte value over
 *       existing keys, in key order as {@code benchmark put --sequential-keys}, then one commit. Score: time per
 *       commit, so per put it is the score divided by {@code batch}.
 *   <li>{@link #rangeOneKey}: {@link MvccStore#range} of one existing key, as {@code KvService} serves a
 *       serializable Range.
 *   <li>{@link #rangePrefix100}: a prefix Range matching 100 keys ({@code k00123} to {@code k00123\xff}).
 * </ul>
 *
 * Run with {@code scripts/bench/jmh.sh storage MvccBench}. The store is written in the trial's fork and deleted in
 * {@link Store#tearDown}; RocksDB's background flushes and compactions run on other threads, as in the server.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class MvccBench {
  static final int VALUE_BYTES = 256;

  /** A store of {@code keys} keys, loaded once per trial. */
  @State(Scope.Thread)
  public static class Store {
    @Param({"100000"})
    public int keys;

    /** The writer's cache of live rows (StoreOptions.liveCacheRows): 0 sends every write's lookup to RocksDB. */
    @Param({"0", "131072"})
    public int liveCacheRows;

    Path dir;
    MvccStore store;
    /** Made up front, so that no benchmark measures formatting them. */
    ByteString[] keyNames;
    ByteString value;
    long index;
    int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      dir = Files.createTempDirectory("cairn-mvccbench");
      store = MvccStore.open(dir, StoreOptions.builder().syncWrites(false).liveCacheRows(liveCacheRows).build());
      byte[] v = new byte[VALUE_BYTES];
      new Random(1).nextBytes(v);
      value = ByteString.copyFrom(v);
      index = store.consistentIndex();
      keyNames = new ByteString[keys];
      for (int i = 0; i < keys; i++) {
        keyNames[i] = key(i);
      }
      try (StoreBatch b = store.newBatch()) {
        for (int i = 0; i < keys; i++) {
          b.put(PutRequest.newBuilder().setKey(keyNames[i]).setValue(value).build(), ++index);
          if (b.size() == 1000) {
            b.commit();
          }
        }
        b.commit();
      }
      store.flush();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      store.close();
      BenchDirs.delete(dir);
    }

    /** The next key in key order, wrapping around the key space. */
    ByteString nextKey() {
      int k = next;
      next = next + 1 == keys ? 0 : next + 1;
      return keyNames[k];
    }
  }

  /** The apply loop's batch: one {@link StoreBatch} reused for every commit, as {@code RequestApplier} does. */
  @State(Scope.Thread)
  public static class Writer {
    @Param({"1", "64"})
    public int batch;

    StoreBatch writes;

    @Setup(Level.Trial)
    public void setUp(Store s) {
      writes = s.store.newBatch();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      writes.close();
    }
  }

  static ByteString key(int i) {
    return ByteString.copyFrom(String.format("k%07d", i), StandardCharsets.US_ASCII);
  }

  /** The smallest key after every key starting with {@code prefix} (etcd's --prefix range end). */
  static ByteString prefixEnd(ByteString prefix) {
    byte[] end = prefix.toByteArray();
    end[end.length - 1]++;
    return ByteString.copyFrom(end);
  }

  @Benchmark
  public PutResponse put(Store s, Writer w) {
    PutResponse last = null;
    for (int i = 0; i < w.batch; i++) {
      last = w.writes.put(PutRequest.newBuilder().setKey(s.nextKey()).setValue(s.value).build(), ++s.index);
    }
    w.writes.commit();
    return last;
  }

  @Benchmark
  public RangeResponse rangeOneKey(Store s) {
    return s.store.range(RangeRequest.newBuilder().setKey(s.nextKey()).build());
  }

  @Benchmark
  public RangeResponse rangePrefix100(Store s) {
    // k0012300..k0012399: the first 6 bytes of every 100th key name 100 keys
    int first = s.next / 100 * 100;
    s.next = (first + 100) % s.keys;
    ByteString prefix = s.keyNames[first].substring(0, 6);
    RangeResponse r = s.store.range(RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix)).build());
    if (r.getKvsCount() != 100) {
      throw new IllegalStateException("prefix range read " + r.getKvsCount() + " keys (keys must be a multiple of 100)");
    }
    return r;
  }
}
