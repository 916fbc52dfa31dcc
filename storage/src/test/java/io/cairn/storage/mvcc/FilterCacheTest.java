package io.cairn.storage.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.PutRequest;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.PerfContext;
import org.rocksdb.PerfLevel;
import org.rocksdb.WriteBatch;

/**
 * A put's point lookup in kv_live must not read a whole table's bloom filter from disk. Measured: a 3-member load of
 * 10,000,000 keys slowed from about 5,000 to 750 puts/s at about 2,100,000 keys, with the apply thread in
 * {@code pread} of kv_live's filter block on every put: one bloom filter per SST file, grown larger than a block-cache
 * shard, is evicted as soon as it is read. Here the same, scaled down: a kv_live file whose filter is larger than the
 * whole block cache, then puts of new keys inside its key range, each of which asks the filter.
 */
class FilterCacheTest {
  @TempDir Path dir;

  private static final int LIVE_KEYS = 300_000; // a 375 KB filter at 10 bits per key
  private static final int PUTS = 1_000;

  @Test
  void aPutsLookupReadsAFilterPartitionNotTheWholeFilter() throws Exception {
    StoreOptions small = StoreOptions.builder().syncWrites(false).blockCacheBytes(192L << 10)
        .writeBufferBytes(1L << 20).memtableBudgetBytes(128L << 10).build();
    Random random = new Random(42);
    try (MvccStore s = MvccStore.open(dir, small)) {
      KvDatabase db = s.database();
      byte[] live = VersionRecord.live(new byte[VersionRecord.HEADER], 1);
      try (WriteBatch wb = new WriteBatch()) {
        for (int i = 0; i < LIVE_KEYS; i++) {
          wb.put(db.kvLive, randomKey(random), live);
          if (wb.count() == 10_000) {
            db.write(wb, false);
            wb.clear();
          }
        }
        db.write(wb, false);
      }
      db.flush();
      try (CompactRangeOptions all = new CompactRangeOptions()
          .setBottommostLevelCompaction(CompactRangeOptions.BottommostLevelCompaction.kForce)) {
        db.compactFamily(db.kvLive, all); // one file on the last level, one filter for all of it
      }

      ByteString value = ByteString.copyFromUtf8("v");
      db.rocks().setPerfLevel(PerfLevel.ENABLE_COUNT);
      PerfContext perf = db.rocks().getPerfContext();
      perf.reset();
      for (int i = 0; i < PUTS; i++) {
        s.put(PutRequest.newBuilder().setKey(ByteString.copyFrom(randomKey(random))).setValue(value).build(), 0);
      }
      long filterReads = perf.getFilterBlockReadCount();
      long bytesRead = perf.getBlockReadByte();
      db.rocks().setPerfLevel(PerfLevel.DISABLE);
      // whole filters: one read of the 375 KB filter per put; partitions: a few KB per read, and most are cached
      assertThat(bytesRead).as("bytes of blocks read from files by %d puts (%d filter block reads)", PUTS, filterReads)
          .isLessThan(20L * PUTS * 1024);
    }
  }

  /** 16 random bytes: spread over the key space, as etcd's benchmark tool spreads its keys. */
  private static byte[] randomKey(Random random) {
    byte[] k = new byte[16];
    random.nextBytes(k);
    return k;
  }
}
