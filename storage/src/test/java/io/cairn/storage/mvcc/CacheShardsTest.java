package io.cairn.storage.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CacheShardsTest {
  @Test
  void shardsHoldAtLeastFourMebibytesAndNumberAtMostSixtyFour() {
    assertThat(KvDatabase.shardBits(48L << 20)).isEqualTo(3); // the default store: 8 shards of 6 MiB
    assertThat(KvDatabase.shardBits(96L << 20)).isEqualTo(4); // 16 shards of 6 MiB
    assertThat(KvDatabase.shardBits(8L << 20)).isEqualTo(1);
    assertThat(KvDatabase.shardBits((8L << 20) - 1)).isZero();
    assertThat(KvDatabase.shardBits(320L << 10)).isZero(); // a test's tiny cache: one shard, as RocksDB would pick
    assertThat(KvDatabase.shardBits(1L << 30)).isEqualTo(6);
    for (long bytes = 1L << 20; bytes <= 1L << 32; bytes += bytes / 3) {
      int bits = KvDatabase.shardBits(bytes);
      assertThat(bytes >> bits).as("%d bytes", bytes).isGreaterThanOrEqualTo(Math.min(bytes, 4L << 20));
      assertThat(bits).isBetween(0, 6);
    }
  }
}
