package io.cairn.server.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.server.InProcessServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots every --snapshot-count entries, restart from them, and what a damaged snapshot does. The WAL keeps the
 * --snapshot-catchup-entries behind the newest snapshot (followers are sent them from it), so these tests keep 5, as
 * the WAL would otherwise still start at the beginning.
 */
class SnapshotRecoveryTest {
  @org.junit.jupiter.api.BeforeAll
  static void smallWalSegments() {
    // a few hundred entries then span several segments, so the log behind a snapshot is really released
    System.setProperty("cairn.wal.segment-bytes", "4096");
  }

  @org.junit.jupiter.api.AfterAll
  static void defaultWalSegments() {
    System.clearProperty("cairn.wal.segment-bytes");
  }

  @TempDir
  Path dir;

  private static void putMany(InProcessServer s, int from, int to) {
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(s.channel);
    for (int i = from; i < to; i++) {
      kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k" + i))
          .setValue(ByteString.copyFromUtf8("v" + i)).build());
    }
  }

  private static long count(InProcessServer s) {
    return KVGrpc.newBlockingStub(s.channel).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
        .setRangeEnd(ByteString.copyFromUtf8("l")).setCountOnly(true).build()).getCount();
  }

  private List<Path> snapFiles() throws IOException {
    try (Stream<Path> s = Files.list(dir.resolve("data/member/snap"))) {
      return s.filter(p -> p.toString().endsWith(".snap")).sorted().toList();
    }
  }

  private List<Path> checkpoints() throws IOException {
    try (Stream<Path> s = Files.list(dir.resolve("data/member/snap"))) {
      return s.filter(p -> p.toString().endsWith(".ckpt")).sorted().toList();
    }
  }

  private static void deleteTree(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }

  private static long walFirstIndex(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir.resolve("data/member/wal"))) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".wal"))
          .mapToLong(n -> Long.parseUnsignedLong(n.substring(17, 33), 16)).min().orElseThrow();
    }
  }

  @Test
  void snapshotsAreTakenAndARestartLoadsTheNewest() throws Exception {
    try (InProcessServer s = new InProcessServer(dir, "--snapshot-count", "40", "--snapshot-catchup-entries", "5", "--max-snapshots", "3")) {
      putMany(s, 0, 200);
    }
    List<Path> snaps = snapFiles();
    assertThat(snaps).as("snapshot files: at most two are kept, each with its store checkpoint").hasSize(2);
    assertThat(checkpoints()).hasSize(2);
    for (Path cp : checkpoints()) {
      try (Stream<Path> files = Files.list(cp)) {
        assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("MANIFEST-"))
            .anyMatch(n -> n.endsWith(".sst"));
      }
    }
    try (InProcessServer s = new InProcessServer(dir, "--snapshot-count", "40", "--snapshot-catchup-entries", "5")) {
      assertThat(count(s)).isEqualTo(200);
      putMany(s, 200, 210);
      assertThat(count(s)).isEqualTo(210);
    }
  }

  @Test
  void aCorruptNewestSnapshotFallsBackToAnOlderOneTheWalCovers() throws Exception {
    try (InProcessServer s = new InProcessServer(dir, "--snapshot-count", "40", "--snapshot-catchup-entries", "5")) {
      putMany(s, 0, 150);
    }
    List<Path> snaps = snapFiles();
    Path newest = snaps.get(snaps.size() - 1);
    byte[] b = Files.readAllBytes(newest);
    b[b.length - 1] ^= 0x5a;
    Files.write(newest, b);
    try (InProcessServer s = new InProcessServer(dir, "--snapshot-count", "40", "--snapshot-catchup-entries", "5")) {
      assertThat(count(s)).isEqualTo(150);
    }
  }

  /** A lost store directory is rebuilt from the newest snapshot's checkpoint plus the WAL after it. */
  @Test
  void aLostStoreIsRestoredFromTheSnapshotCheckpointAndTheWal() throws Exception {
    try (InProcessServer s = new InProcessServer(dir, "--snapshot-count", "40", "--snapshot-catchup-entries", "5")) {
      putMany(s, 0, 230);
    }
    assertThat(snapFiles()).isNotEmpty();
    assertThat(walFirstIndex(dir)).as("the WAL no longer starts at the beginning").isGreaterThan(1);
    deleteTree(dir.resolve("data/member/store"));
    try (InProcessServer s = new InProcessServer(dir, "--snapshot-count", "40", "--snapshot-catchup-entries", "5")) {
      assertThat(count(s)).isEqualTo(230);
      var kv = KVGrpc.newBlockingStub(s.channel).range(RangeRequest.newBuilder()
          .setKey(ByteString.copyFromUtf8("k229")).build());
      assertThat(kv.getKvs(0).getModRevision()).isEqualTo(231);
      putMany(s, 230, 240);
      assertThat(count(s)).isEqualTo(240);
    }
  }

  /** A damaged newest checkpoint makes its snapshot invalid; the older snapshot (still covered by the WAL) is used. */
  @Test
  void aDamagedNewestCheckpointFallsBackToTheOlderSnapshot() throws Exception {
    try (InProcessServer s = new InProcessServer(dir, "--snapshot-count", "40", "--snapshot-catchup-entries", "5")) {
      putMany(s, 0, 230);
    }
    List<Path> cps = checkpoints();
    assertThat(cps).hasSize(2);
    Path newest = cps.get(cps.size() - 1);
    try (Stream<Path> files = Files.list(newest)) {
      Path sst = files.filter(p -> p.toString().endsWith(".sst")).findFirst().orElseThrow();
      Files.delete(sst); // a hard link: the live store keeps its own
    }
    deleteTree(dir.resolve("data/member/store"));
    try (InProcessServer s = new InProcessServer(dir, "--snapshot-count", "40", "--snapshot-catchup-entries", "5")) {
      assertThat(count(s)).isEqualTo(230);
    }
  }

  @Test
  void aLostStoreWithEveryCheckpointDamagedRefusesToStart() throws Exception {
    try (InProcessServer s = new InProcessServer(dir, "--snapshot-count", "40", "--snapshot-catchup-entries", "5")) {
      putMany(s, 0, 230);
    }
    for (Path cp : checkpoints()) {
      try (Stream<Path> files = Files.list(cp)) {
        Path manifest = files.filter(p -> p.getFileName().toString().startsWith("MANIFEST-")).findFirst().orElseThrow();
        byte[] b = Files.readAllBytes(manifest);
        b[b.length / 2] ^= 0x5a;
        Files.write(manifest, b);
      }
    }
    deleteTree(dir.resolve("data/member/store"));
    assertThatThrownBy(() -> new InProcessServer(dir)).hasMessageContaining("refusing to start");
  }

  @Test
  void noValidSnapshotAndAWalThatStartsLaterRefusesToStart() throws Exception {
    try (InProcessServer s = new InProcessServer(dir, "--snapshot-count", "40", "--snapshot-catchup-entries", "5")) {
      putMany(s, 0, 100);
    }
    for (Path p : snapFiles()) {
      Files.write(p, new byte[] {1, 2, 3});
    }
    // pretend the WAL was released behind a snapshot: a WAL whose first entries are gone
    Path wal = dir.resolve("data/member/wal");
    try (Stream<Path> s = Files.list(wal)) {
      for (Path seg : s.filter(p -> p.toString().endsWith(".wal")).toList()) {
        Files.delete(seg);
      }
    }
    assertThatThrownBy(() -> new InProcessServer(dir)).hasMessageContaining("refusing to start");
  }

  /**
   * A store ahead of its log (here: the WAL put back from an earlier copy) holds entries the log cannot vouch for;
   * new entries would be skipped as applied. The member refuses to start rather than serve it.
   */
  @Test
  void aStoreAheadOfItsWalRefusesToStart() throws Exception {
    try (InProcessServer s = new InProcessServer(dir)) {
      putMany(s, 0, 5);
    }
    Path wal = dir.resolve("data/member/wal");
    Path older = dir.resolve("wal-older");
    copyTree(wal, older);
    try (InProcessServer s = new InProcessServer(dir)) {
      putMany(s, 5, 20);
    }
    deleteTree(wal);
    copyTree(older, wal);
    assertThatThrownBy(() -> new InProcessServer(dir).close())
        .hasMessageContaining("the store holds entries the WAL lost");
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else if (!p.getFileName().toString().equals("LOCK")) {
          Files.copy(p, t);
        }
      }
    }
  }
}
