package io.cairn.storage.mvcc;

import static io.cairn.storage.mvcc.StoreFixture.get;
import static io.cairn.storage.mvcc.StoreFixture.putReq;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot relies on {@link MvccStore#checkpoint} to leave the live store durable through everything written
 * before it, without RocksDB's own (unsynced) log: the raft WAL behind the snapshot is released on that strength.
 * A crash is simulated by copying the open store's files (what a power loss leaves, plus the log's page-cache
 * contents) and emptying the copied logs (the unsynced part that a power loss may take).
 */
class CheckpointDurabilityTest {
  @TempDir Path root;

  private static StoreOptions unsynced() {
    return StoreOptions.builder().syncWrites(false).blockCacheBytes(1 << 20).writeBufferBytes(1 << 20).build();
  }

  @Test
  void writesBeforeACheckpointSurviveTheLossOfTheStoresOwnLog() throws IOException {
    try (MvccStore s = MvccStore.open(crashAfterHundredPuts(true), unsynced())) {
      assertThat(s.consistentIndex()).isEqualTo(100);
      assertThat(get(s, "k100").getKvsCount()).isEqualTo(1);
    }
  }

  /** The control: without the checkpoint the same crash loses the writes, so the test above can fail. */
  @Test
  void withoutACheckpointTheSameCrashLosesTheUnsyncedWrites() throws IOException {
    try (MvccStore s = MvccStore.open(crashAfterHundredPuts(false), unsynced())) {
      assertThat(s.consistentIndex()).isZero();
      assertThat(get(s, "k100").getKvsCount()).isZero();
    }
  }

  /** 100 puts at raft indexes 1..100, a checkpoint if asked, then the crash image of the still open store. */
  private Path crashAfterHundredPuts(boolean checkpoint) throws IOException {
    Path dir = root.resolve("store");
    Path crash = root.resolve("crash");
    try (MvccStore s = MvccStore.open(dir, unsynced())) {
      for (int i = 1; i <= 100; i++) {
        s.put(putReq("k" + i, "v" + i).build(), i);
      }
      if (checkpoint) {
        s.checkpoint(root.resolve("ckpt"));
      }
      crashImage(dir, crash);
    }
    return crash;
  }

  private static void crashImage(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Path copy = to.resolve(f.getFileName());
        Files.copy(f, copy);
        if (f.getFileName().toString().endsWith(".log")) {
          try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
            ch.truncate(0);
          }
        }
      }
    }
  }
}
