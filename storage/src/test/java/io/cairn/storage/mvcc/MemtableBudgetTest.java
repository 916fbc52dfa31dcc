package io.cairn.storage.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.PutRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memtables are bounded all together, not per column family: with write buffers far larger than the budget, the
 * memtables still stay near the budget however much is written (each put writes kv, kv_keys and rev).
 */
class MemtableBudgetTest {
  @TempDir Path dir;

  @Test
  void memtablesStayNearTheBudgetWhateverEachFamilysWriteBuffer() {
    long budget = 4L << 20;
    StoreOptions o = StoreOptions.builder().syncWrites(false).writeBufferBytes(16L << 20)
        .memtableBudgetBytes(budget).build();
    ByteString value = ByteString.copyFrom(new byte[8 << 10]);
    long most = 0;
    try (MvccStore s = MvccStore.open(dir, o)) {
      for (int i = 0; i < 2_000; i++) { // 16 MiB of values: all of it would sit in a 16 MiB memtable
        s.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k" + i)).setValue(value).build(), 0);
        if (i % 50 == 0) most = Math.max(most, s.database().memtableBytes());
      }
    }
    assertThat(most).as("largest memtable total seen").isLessThan(4 * budget);
  }

  /** The store's memory report (cairn_rocksdb_memory_bytes): memtables are charged to the cache, which stays bounded. */
  @Test
  void memoryReportCountsTheMemtablesInsideTheBoundedCache() {
    long cacheBytes = 8L << 20;
    long budget = 4L << 20;
    StoreOptions o = StoreOptions.builder().syncWrites(false).blockCacheBytes(cacheBytes).writeBufferBytes(2L << 20)
        .memtableBudgetBytes(budget).build();
    ByteString value = ByteString.copyFrom(new byte[1 << 10]);
    try (MvccStore s = MvccStore.open(dir, o)) {
      StoreMemory empty = s.memory();
      for (int i = 0; i < 1_000; i++) {
        s.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k" + i)).setValue(value).build(), 0);
      }
      StoreMemory written = s.memory();
      assertThat(written.memtableBytes()).as("memtables after 1 MiB of values").isGreaterThan(1L << 20)
          .isGreaterThan(empty.memtableBytes());
      assertThat(written.cacheBytes()).as("cache usage includes the memtables charged to it")
          .isGreaterThanOrEqualTo(written.memtableBytes() / 2)
          .isLessThanOrEqualTo(cacheBytes + budget + (1L << 20));
      assertThat(written.pinnedBytes()).isLessThanOrEqualTo(written.cacheBytes());
      assertThat(written.tableReaderBytes()).isNotNegative();
    }
  }
}
