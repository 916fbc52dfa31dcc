package io.cairn.storage.mvcc;

import static io.cairn.storage.mvcc.StoreFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd 3.6's compaction hashes: HashKV at C over the history before the compaction, P as compact revision. */
class CompactionHashesTest {
  @TempDir Path dir;

  @Test
  void eachCompactionRecordsTheHashOfTheHistoryItRemoves() {
    try (MvccStore s = MvccStore.open(dir.resolve("s"), fastOptions())) {
      s.recordCompactionHashes();
      for (int i = 0; i < 50; i++) {
        put(s, "k" + (i % 7), "v" + i);
      }
      delete(s, "k3", "");
      StoreHash before = s.hashKv(20); // compact revision -1 (never compacted)
      compact(s, 20, true);
      StoreHash second = s.hashKv(40); // compact revision 20
      compact(s, 40, false);
      await().atMost(Duration.ofSeconds(10)).until(() -> s.compactionHashes().at(40).isPresent());
      assertThat(s.compactionHashes().at(20)).contains(new StoreHash(before.hash(), 20, -1, 20));
      assertThat(s.compactionHashes().at(40)).contains(new StoreHash(second.hash(), 40, 20, 40));
      assertThat(s.compactionHashes().above(20)).extracting(StoreHash::hashRevision).containsExactly(40L);
      assertThat(s.compactionHashes().at(30)).isEmpty();
    }
  }

  @Test
  void onlyTheNewestTenAreKeptAndNoneWithoutTheCheck() {
    try (MvccStore off = MvccStore.open(dir.resolve("off"), fastOptions());
        MvccStore on = MvccStore.open(dir.resolve("on"), fastOptions())) {
      on.recordCompactionHashes();
      for (int i = 0; i < 30; i++) {
        put(off, "k", "v" + i);
        put(on, "k", "v" + i);
      }
      for (int c = 2; c <= 25; c++) {
        compact(off, c, true);
        compact(on, c, true);
      }
      assertThat(off.compactionHashes().above(0)).isEmpty();
      assertThat(on.compactionHashes().above(0)).extracting(StoreHash::hashRevision)
          .containsExactly(25L, 24L, 23L, 22L, 21L, 20L, 19L, 18L, 17L, 16L);
    }
  }
}
