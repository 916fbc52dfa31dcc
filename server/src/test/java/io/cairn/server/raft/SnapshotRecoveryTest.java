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

/** Snapshots every --snapshot-count entries, restart from them, and what a damaged snapshot does. */
class SnapshotRecoveryTest {
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

  @Test
  void snapshotsAreTakenAndARestartLoadsTheNewest() throws Exception {
    try (InProcessServer s = new InProcessServer(dir, "--snapshot-count", "40", "--max-snapshots", "3")) {
      putMany(s, 0, 200);
    }
    List<Path> snaps = snapFiles();
    assertThat(snaps).as("snapshot files, pruned to --max-snapshots").hasSize(3);
    try (InProcessServer s = new InProcessServer(dir, "--snapshot-count", "40")) {
      assertThat(count(s)).isEqualTo(200);
      putMany(s, 200, 210);
      assertThat(count(s)).isEqualTo(210);
    }
  }

  @Test
  void aCorruptNewestSnapshotFallsBackToAnOlderOneTheWalCovers() throws Exception {
    try (InProcessServer s = new InProcessServer(dir, "--snapshot-count", "40")) {
      putMany(s, 0, 150);
    }
    List<Path> snaps = snapFiles();
    Path newest = snaps.get(snaps.size() - 1);
    byte[] b = Files.readAllBytes(newest);
    b[b.length - 1] ^= 0x5a;
    Files.write(newest, b);
    try (InProcessServer s = new InProcessServer(dir, "--snapshot-count", "40")) {
      assertThat(count(s)).isEqualTo(150);
    }
  }

  @Test
  void noValidSnapshotAndAWalThatStartsLaterRefusesToStart() throws Exception {
    try (InProcessServer s = new InProcessServer(dir, "--snapshot-count", "40")) {
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
}
