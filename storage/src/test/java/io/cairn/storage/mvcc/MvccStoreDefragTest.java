package io.cairn.storage.mvcc;

import static io.cairn.storage.mvcc.StoreFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Defragment returns space, runs beside clients instead of excluding them, and gives way to a store swap. */
class MvccStoreDefragTest {
  @TempDir Path root;

  private static String value(int bytes) {
    return "v".repeat(bytes);
  }

  @Test
  void defragmentReturnsTheSpaceOfDeletedAndCompactedRevisions() {
    try (MvccStore s = MvccStore.open(root.resolve("s"), fastOptions())) {
      java.util.Random random = new java.util.Random(1); // random values: RocksDB would compress repeated ones
      for (int i = 0; i < 4000; i++) {
        byte[] v = new byte[4096];
        random.nextBytes(v);
        s.put(io.cairn.proto.etcdserverpb.PutRequest.newBuilder().setKey(bs("k" + i))
            .setValue(com.google.protobuf.ByteString.copyFrom(v)).build(), 0);
      }
      s.database().flush();
      long full = s.dbSizeBytes();
      delete(s, "k", "l");
      compact(s, s.currentRevision(), true);
      s.database().flush();
      long beforeDefrag = s.dbSizeBytes();
      s.defragment();
      long after = s.dbSizeBytes();
      assertThat(full).isGreaterThan(8L << 20);
      assertThat(after).as("size after defragment (before: %d of %d)", beforeDefrag, full).isLessThan(full / 10);
      assertThat(get(s, "k1").getKvsCount()).isZero();
      put(s, "k1", "again");
      assertThat(str(kv(s, "k1").getValue())).isEqualTo("again");
    }
  }

  @Test
  void readsAndWritesAreServedWhileADefragmentRuns() throws Exception {
    try (MvccStore s = MvccStore.open(root.resolve("s"), fastOptions())) {
      for (int i = 0; i < 200; i++) {
        put(s, "k" + i, value(512));
      }
      CountDownLatch inside = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      s.defragmenter.afterFamily = () -> {
        inside.countDown();
        awaitQuietly(release);
      };
      CompletableFuture<Void> defrag = CompletableFuture.runAsync(s::defragment);
      assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
      // the defragment is held in the middle: a store that excluded clients meanwhile would hang here
      CompletableFuture<Long> clients = CompletableFuture.supplyAsync(() -> {
        for (int i = 0; i < 100; i++) {
          put(s, "during" + i, "x");
          assertThat(str(kv(s, "k" + i).getValue())).hasSize(512);
        }
        delete(s, "during0", "during1");
        return s.currentRevision();
      });
      long rev = clients.get(10, TimeUnit.SECONDS);
      assertThat(defrag).isNotDone();
      release.countDown();
      defrag.get(30, TimeUnit.SECONDS);
      assertThat(rev).isEqualTo(1 + 200 + 100 + 1);
      assertThat(get(s, "during1").getKvsCount()).isEqualTo(1);
    }
  }

  @Test
  void aSwapCancelsARunningDefragmentInsteadOfWaitingForIt() throws Exception {
    Path newer;
    try (MvccStore src = MvccStore.open(root.resolve("src"), fastOptions())) {
      src.put(putReq("k", "new").build(), 50);
      newer = src.checkpoint(root.resolve("ckpt"));
    }
    try (MvccStore s = MvccStore.open(root.resolve("s"), fastOptions())) {
      s.put(putReq("k", "mine").build(), 9);
      CountDownLatch inside = new CountDownLatch(1);
      s.defragmenter.afterFamily = () -> {
        inside.countDown();
        // stay in the defragment until the swap waits for the store
        await().atMost(Duration.ofSeconds(10)).until(() -> s.queuedReaders() >= 1);
      };
      CompletableFuture<Void> defrag = CompletableFuture.runAsync(s::defragment);
      assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<Boolean> swap = CompletableFuture.supplyAsync(() -> s.restoreFrom(newer));
      assertThat(swap.get(20, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> defrag.get(20, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(MvccException.class).hasMessageContaining("defragment interrupted");
      assertThat(str(kv(s, "k").getValue())).isEqualTo("new");
      s.defragmenter.afterFamily = () -> { };
      s.defragment(); // the swapped-in store defragments as any other
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
