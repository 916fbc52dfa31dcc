package io.cairn.storage.mvcc;

import static io.cairn.storage.mvcc.StoreFixture.fastOptions;
import static io.cairn.storage.mvcc.StoreFixture.get;
import static io.cairn.storage.mvcc.StoreFixture.putReq;
import static io.cairn.storage.mvcc.StoreFixture.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replacing a store with a snapshot's copy: never backwards, crash-safe, and no reader on a closed handle. */
class StoreSwapTest {
  @TempDir Path root;

  /** A checkpoint of a store whose last applied raft index is {@code index}, holding key "k" = {@code value}. */
  private Path checkpointAt(String name, long index, String value) {
    Path dir = root.resolve(name + "-src");
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      s.put(putReq("k", value).build(), index);
      return s.checkpoint(root.resolve(name + "-ckpt"));
    }
  }

  @Test
  void aCopyNotAheadOfTheStoreIsRefusedAndTheStoreKeepsItsWrites() {
    Path store = root.resolve("store");
    Path older = checkpointAt("older", 5, "old");
    try (MvccStore s = MvccStore.open(store, fastOptions())) {
      s.put(putReq("k", "mine").build(), 9);
      assertThat(s.restoreFrom(older)).isFalse();
      assertThat(s.consistentIndex()).isEqualTo(9);
      assertThat(str(get(s, "k").getKvs(0).getValue())).isEqualTo("mine");
    }
    assertThat(older).doesNotExist();
  }

  @Test
  void aCopyAheadReplacesTheStoreAndNothingIsLeftBehind() {
    Path store = root.resolve("store");
    Path newer = checkpointAt("newer", 20, "new");
    try (MvccStore s = MvccStore.open(store, fastOptions())) {
      s.put(putReq("k", "mine").build(), 9);
      assertThat(s.restoreFrom(newer)).isTrue();
      assertThat(s.consistentIndex()).isEqualTo(20);
      assertThat(str(get(s, "k").getKvs(0).getValue())).isEqualTo("new");
    }
    assertThat(root.resolve("store.replaced")).doesNotExist();
  }

  @Test
  void aCrashBetweenTheRenamesPutsTheOldStoreBack() throws Exception {
    Path store = root.resolve("store");
    try (MvccStore s = MvccStore.open(store, fastOptions())) {
      s.put(putReq("k", "mine").build(), 9);
    }
    // step 1 of the swap done, step 2 never happened
    Files.move(store, root.resolve("store.replaced"));
    Files.createDirectories(root.resolve("store.restoring"));
    try (MvccStore s = MvccStore.open(store, fastOptions())) {
      assertThat(s.consistentIndex()).isEqualTo(9);
      assertThat(str(get(s, "k").getKvs(0).getValue())).isEqualTo("mine");
    }
    assertThat(root.resolve("store.replaced")).doesNotExist();
    assertThat(root.resolve("store.restoring")).doesNotExist();
  }

  @Test
  void aCrashAfterTheSwapKeepsTheNewStoreAndRemovesTheOld() throws Exception {
    Path store = root.resolve("store");
    Path newer = checkpointAt("newer", 20, "new");
    try (MvccStore s = MvccStore.open(root.resolve("old"), fastOptions())) {
      s.put(putReq("k", "mine").build(), 9);
    }
    Files.move(root.resolve("old"), root.resolve("store.replaced"));
    Files.move(newer, store);
    try (MvccStore s = MvccStore.open(store, fastOptions())) {
      assertThat(s.consistentIndex()).isEqualTo(20);
    }
    assertThat(root.resolve("store.replaced")).doesNotExist();
  }

  /**
   * A reader that arrives while the swap holds the store must read the new database, never the closed one: a native
   * call on a closed RocksDB handle crashes the whole JVM (seen as SIGSEGV in GetIntProperty from Status).
   */
  @Test
  void aReaderWaitingOnTheSwapReadsTheNewDatabase() throws Exception {
    Path store = root.resolve("store");
    Path newer = checkpointAt("newer", 20, "new");
    try (MvccStore s = MvccStore.open(store, fastOptions())) {
      s.put(putReq("k", "mine").build(), 9);
      CountDownLatch swapping = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      s.afterClose = () -> {
        swapping.countDown();
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      };
      CompletableFuture<Boolean> swap = CompletableFuture.supplyAsync(() -> s.restoreFrom(newer));
      assertThat(swapping.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<Long> size = CompletableFuture.supplyAsync(s::dbSizeBytes);
      CompletableFuture<Integer> leases = CompletableFuture.supplyAsync(() -> s.leases().size());
      await().atMost(Duration.ofSeconds(10)).until(() -> s.queuedReaders() >= 2);
      release.countDown();
      assertThat(swap.get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(size.get(10, TimeUnit.SECONDS)).isPositive();
      assertThat(leases.get(10, TimeUnit.SECONDS)).isZero();
    }
  }
}
