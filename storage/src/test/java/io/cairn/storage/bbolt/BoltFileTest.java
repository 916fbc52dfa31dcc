package io.cairn.storage.bbolt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.mvccpb.KeyValue;
import io.cairn.storage.etcd.EtcdBackend;
import io.cairn.storage.etcd.EtcdDbStatus;
import io.cairn.storage.etcd.RealEtcd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bbolt reader against files real etcd 3.4 wrote with {@code etcdctl snapshot save}: a large one (branch pages,
 * values larger than a page, so overflow pages) and the small buckets bbolt stores inline; checked against what etcd
 * itself answers for the same data.
 */
class BoltFileTest {
  private static final int BIG = 10_000; // > 4096: each such value spans overflow pages

  @TempDir
  static Path dir;
  static RealEtcd etcd;
  static Path snapshot;
  static RangeResponse live;
  static String etcdStatus;

  @BeforeAll
  static void makeSnapshot() throws Exception {
    etcd = RealEtcd.start(dir);
    List<String> keys = IntStream.range(0, 3000).mapToObj(i -> String.format("key/%05d", i)).toList();
    etcd.putMany(keys, k -> "value-of-" + k + "-" + "x".repeat(60));
    for (int i = 0; i < 4; i++) {
      byte[] big = ("big" + i + "-" + "y".repeat(BIG)).getBytes(StandardCharsets.US_ASCII);
      etcd.ctlWithInput(big, "put", "big/" + i).ok();
    }
    etcd.ctl("lease", "grant", "600").ok();
    snapshot = etcd.snapshot("large.db");
    live = RangeResponse.parseFrom(etcd.ctl("get", "", "--from-key", "-w", "protobuf").ok().stdout());
    etcdStatus = etcd.ctl("snapshot", "status", snapshot.toString(), "-w", "json").ok().text().trim();
  }

  @AfterAll
  static void stop() {
    if (etcd != null) {
      etcd.close();
    }
  }

  private static long dataBytes(Path f) throws Exception {
    return Files.size(f) - 32; // etcdctl appends the SHA-256
  }

  @Test
  void readsEveryLatestValueIncludingBranchAndOverflowPages() throws Exception {
    try (EtcdBackend b = EtcdBackend.open(snapshot, dataBytes(snapshot))) {
      BoltBucket key = b.file().root().bucket("key".getBytes(StandardCharsets.US_ASCII));
      assertThat(key.isInline()).isFalse();
      assertThat(key.height()).as("3000 keys need branch pages").isGreaterThanOrEqualTo(2);
      Map<String, KeyValue> latest = new HashMap<>();
      List<Long> revisions = new ArrayList<>();
      b.forEachVersion((rev, sub, tombstone, kv) -> {
        assertThat(tombstone).isFalse();
        assertThat(kv.getModRevision()).isEqualTo(rev);
        revisions.add(rev);
        latest.put(kv.getKey().toStringUtf8(), kv);
      });
      assertThat(revisions).isSorted();
      assertThat(latest).hasSize((int) live.getCount()).hasSize(3004);
      for (KeyValue kv : live.getKvsList()) {
        assertThat(latest.get(kv.getKey().toStringUtf8())).isEqualTo(kv);
      }
      assertThat(latest.get("big/3").getValue().size()).isGreaterThan(BIG);
      assertThat(b.leases()).hasSize(1).allMatch(l -> l.ttl() == 600 && l.id() != 0);
    }
  }

  @Test
  void statusMatchesEtcdctlSnapshotStatus() throws Exception {
    try (EtcdBackend b = EtcdBackend.open(snapshot, dataBytes(snapshot))) {
      EtcdDbStatus s = EtcdDbStatus.of(b);
      assertThat("{\"hash\":" + Integer.toUnsignedLong(s.hash()) + ",\"revision\":" + s.revision() + ",\"totalKey\":"
          + s.totalKeys() + ",\"totalSize\":" + s.totalSize() + "}").isEqualTo(etcdStatus);
    }
  }

  @Test
  void smallBucketsAreReadFromTheirInlinePages() throws Exception {
    try (BoltFile f = BoltFile.open(snapshot, dataBytes(snapshot))) {
      BoltBucket lease = f.root().bucket("lease".getBytes(StandardCharsets.US_ASCII));
      assertThat(lease.isInline()).as("one lease: stored inline in the root bucket's leaf").isTrue();
      List<byte[]> ids = new ArrayList<>();
      lease.forEach((k, v) -> ids.add(k));
      assertThat(ids).hasSize(1).allMatch(k -> k.length == 8);
      assertThat(f.root().bucket("no-such-bucket".getBytes(StandardCharsets.US_ASCII))).isNull();
    }
  }

  @Test
  void aDamagedFirstMetaPageFallsBackToTheSecond() throws Exception {
    byte[] bytes = Files.readAllBytes(snapshot);
    bytes[16 + 44] ^= 0x01; // inside meta page 0's high-water mark: its checksum no longer matches
    Path bad = dir.resolve("meta0.db");
    Files.write(bad, bytes);
    try (BoltFile f = BoltFile.open(bad, dataBytes(bad)); EtcdBackend b = EtcdBackend.open(snapshot,
        dataBytes(snapshot))) {
      assertThat(f.size()).isEqualTo(b.file().size());
    }
    bytes[4096 + 16 + 44] ^= 0x01;
    Files.write(bad, bytes);
    assertThatThrownBy(() -> BoltFile.open(bad, dataBytes(bad))).isInstanceOf(BoltFormatException.class)
        .hasMessageContaining("no valid meta page").hasMessageContaining("checksum");
  }

  @Test
  void aTruncatedFileIsRefused() throws Exception {
    Path cut = dir.resolve("cut.db");
    byte[] bytes = Files.readAllBytes(snapshot);
    Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertThatThrownBy(() -> BoltFile.open(cut, Files.size(cut))).isInstanceOf(BoltFormatException.class)
        .hasMessageContaining("truncated");
  }

  @Test
  void aDamagedPageIsReportedNotMisread() throws Exception {
    byte[] bytes = Files.readAllBytes(snapshot);
    Path bad = dir.resolve("page.db");
    try (BoltFile f = BoltFile.open(snapshot, dataBytes(snapshot))) {
      BoltBucket key = f.root().bucket("key".getBytes(StandardCharsets.US_ASCII));
      long leafOrBranch = key.rootPageForTest();
      // overwrite the key bucket's root page id: the reader must notice the page is not the one it asked for
      bytes[(int) (leafOrBranch * f.pageSize())] ^= 0x7F;
    }
    Files.write(bad, bytes);
    try (EtcdBackend b = EtcdBackend.open(bad, dataBytes(bad))) {
      assertThatThrownBy(() -> b.forEachVersion((r, s, t, kv) -> { })).isInstanceOf(BoltFormatException.class)
          .hasMessageContaining("carries id");
    }
  }

  @Test
  void aBranchPointingTwiceAtOnePageIsReportedNotWalkedForever() throws Exception {
    byte[] bytes = Files.readAllBytes(snapshot);
    try (BoltFile f = BoltFile.open(snapshot, dataBytes(snapshot))) {
      BoltBucket key = f.root().bucket("key".getBytes(StandardCharsets.US_ASCII));
      int root = (int) (key.rootPageForTest() * f.pageSize());
      assertThat(bytes[root + 8] & BoltPage.BRANCH).as("the key bucket's root is a branch page").isNotZero();
      // element 1's child page id := element 0's
      System.arraycopy(bytes, root + BoltPage.HEADER + 8, bytes, root + BoltPage.HEADER + BoltPage.ELEMENT + 8, 8);
    }
    Path bad = dir.resolve("cycle.db");
    Files.write(bad, bytes);
    try (EtcdBackend b = EtcdBackend.open(bad, dataBytes(bad))) {
      assertThatThrownBy(() -> b.forEachVersion((r, s, t, kv) -> { })).isInstanceOf(BoltFormatException.class)
          .hasMessageContaining("reached twice");
    }
  }
}
