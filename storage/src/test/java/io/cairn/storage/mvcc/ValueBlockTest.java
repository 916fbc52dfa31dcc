package io.cairn.storage.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.PerfContext;
import org.rocksdb.PerfLevel;

/**
 * A range over values of a few KiB (Kubernetes' objects) must not visit one data block per key-value. Measured under
 * the Kubernetes-shaped load: with RocksDB's default 4 KiB blocks every {@code next()} of a LIST moved to a new block
 * (a block-cache lookup and a new block iterator each), 45% of the read threads' iteration time; with 16 KiB blocks the
 * read threads spent 15–18% less CPU per request (docs/benchmarks.md).
 */
class ValueBlockTest {
  @TempDir Path dir;

  private static final int KEYS = 400;
  private static final int READ = 100;
  private static final int VALUE_BYTES = 4000;

  @Test
  void aRangeOfFourKibValuesVisitsAboutOneDataBlockPerFourValues() throws Exception {
    StoreOptions o = StoreOptions.builder().syncWrites(false).build();
    Random random = new Random(7);
    try (MvccStore s = MvccStore.open(dir, o)) {
      byte[] value = new byte[VALUE_BYTES];
      for (int i = 0; i < KEYS; i++) {
        random.nextBytes(value); // incompressible, as serialized objects mostly are
        s.put(PutRequest.newBuilder().setKey(key(i)).setValue(ByteString.copyFrom(value)).build(), 0);
      }
      KvDatabase db = s.database();
      db.flush();
      try (CompactRangeOptions all = new CompactRangeOptions()
          .setBottommostLevelCompaction(CompactRangeOptions.BottommostLevelCompaction.kForce)) {
        db.compactFamily(db.kv, all); // one file: the count below is data blocks, not files
      }

      RangeRequest list = RangeRequest.newBuilder().setKey(key(100)).setRangeEnd(key(100 + READ)).build();
      s.range(list); // index and data blocks into the cache: what is counted next is lookups, not file reads
      db.rocks().setPerfLevel(PerfLevel.ENABLE_COUNT);
      PerfContext perf = db.rocks().getPerfContext();
      perf.reset();
      RangeResponse r = s.range(list);
      long blocks = perf.getBlockCacheHitCount() + perf.getBlockReadCount();
      db.rocks().setPerfLevel(PerfLevel.DISABLE);

      assertThat(r.getKvsCount()).isEqualTo(READ);
      // 4 KiB blocks: one or two values per block, 50-100 lookups; 16 KiB: about 4 values per block
      assertThat(blocks).as("block lookups for a range of %d values of %d bytes", READ, VALUE_BYTES)
          .isLessThanOrEqualTo(READ / 3);
    }
  }

  private static ByteString key(int i) {
    return ByteString.copyFromUtf8(String.format("/registry/pods/default/pod-%05d", i));
  }
}
