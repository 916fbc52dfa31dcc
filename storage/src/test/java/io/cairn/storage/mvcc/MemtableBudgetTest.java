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
}
