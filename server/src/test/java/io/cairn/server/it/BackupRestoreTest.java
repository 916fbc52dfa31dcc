package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.HashKVRequest;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.LeaseGrantRequest;
import io.cairn.proto.etcdserverpb.LeaseGrpc;
import io.cairn.proto.etcdserverpb.LeaseLeasesRequest;
import io.cairn.proto.etcdserverpb.MaintenanceGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.SnapshotRequest;
import io.cairn.proto.etcdserverpb.SnapshotResponse;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcdctl snapshot save against Cairn, then cairn snapshot status and restore, as an operator backs up and restores. */
class BackupRestoreTest {
  static final long LEASE = 0x7e57L;

  @TempDir
  Path dir;
  Member source;
  Member restored;
  ManagedChannel ch;

  @AfterEach
  void stop() throws Exception {
    if (ch != null) {
      ch.shutdownNow();
    }
    if (restored != null) {
      restored.close();
    }
    if (source != null) {
      source.close();
    }
  }

  private static ManagedChannel channel(Member m) {
    return ManagedChannelBuilder.forTarget(m.endpoint()).usePlaintext().build();
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** History with overwrites, deletes, a lease and a compaction, so the backup has more than live keys in it. */
  private void history(KVGrpc.KVBlockingStub kv) {
    LeaseGrpc.newBlockingStub(ch).leaseGrant(LeaseGrantRequest.newBuilder().setID(LEASE).setTTL(3600).build());
    for (int i = 0; i < 50; i++) {
      kv.put(PutRequest.newBuilder().setKey(bs("k/" + i)).setValue(bs("v" + i)).build());
    }
    for (int i = 0; i < 50; i += 3) {
      kv.put(PutRequest.newBuilder().setKey(bs("k/" + i)).setValue(bs("again" + i)).build());
    }
    kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(bs("k/1")).build());
    kv.put(PutRequest.newBuilder().setKey(bs("leased")).setValue(bs("x")).setLease(LEASE).build());
    long rev = kv.range(RangeRequest.newBuilder().setKey(bs("k/0")).build()).getHeader().getRevision();
    kv.compact(CompactionRequest.newBuilder().setRevision(rev - 5).setPhysical(true).build());
  }

  private static RangeResponse all(KVGrpc.KVBlockingStub kv, long rev) {
    return kv.range(RangeRequest.newBuilder().setKey(bs("\0")).setRangeEnd(bs("\0")).setRevision(rev).build());
  }

  @Test
  void backupUnderWritesRestoresEveryKeyRevisionVersionAndLease() throws Exception {
    source = Member.cairn(dir);
    ch = channel(source);
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch).withDeadlineAfter(120, TimeUnit.SECONDS);
    history(kv);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong written = new AtomicLong();
    Thread writer = new Thread(() -> {
      KVGrpc.KVBlockingStub w = KVGrpc.newBlockingStub(ch);
      for (long i = 0; !stop.get(); i++) {
        w.withDeadlineAfter(10, TimeUnit.SECONDS)
            .put(PutRequest.newBuilder().setKey(bs("w/" + (i % 40))).setValue(bs("w" + i)).build());
        written.incrementAndGet();
      }
    }, "it-writer");
    writer.start();
    Path file = dir.resolve("backup.db");
    Etcdctl.Result saved;
    try {
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> written.get() >= 20);
      saved = new Etcdctl(source.endpoint()).run("snapshot", "save", file.toString());
      long before = written.get();
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> written.get() >= before + 20);
    } finally {
      stop.set(true);
      writer.join(20_000);
    }
    assertThat(saved.exit()).as(saved.err()).isZero();
    assertThat(saved.out()).contains("Snapshot saved at " + file);
    assertThat(Files.size(file) % 512).isEqualTo(32); // etcdctl's own check, made here too
    try (Stream<Path> s = Files.list(source.dataDir.resolve("member/snap"))) {
      assertThat(s.filter(p -> p.getFileName().toString().startsWith("send-"))).as("checkpoint removed").isEmpty();
    }

    String status = CairnTool.snapshot("status", file.toString(), "-w", "json").ok().out();
    long rev = EtcdctlDifferentialTest.num(status, "revision");
    assertThat(rev).as("history plus the writes before the save").isGreaterThanOrEqualTo(90).isLessThan(all(kv, 0).getHeader().getRevision());
    RangeResponse expected = all(kv, rev);
    assertThat(EtcdctlDifferentialTest.num(status, "totalKey")).isGreaterThanOrEqualTo(expected.getCount());
    assertThat(CairnTool.snapshot("status", file.toString(), "-w", "table").ok().out())
        // the HASH column is as wide as the hash in hex, which has no leading zeros (7 digits one time in 16)
        .containsPattern("\\|\\s+HASH\\s+\\| REVISION \\| TOTAL KEYS \\| TOTAL SIZE \\|").contains(" " + rev + " |");
    long sourceHash = MaintenanceGrpc.newBlockingStub(ch).hashKV(HashKVRequest.newBuilder().setRevision(rev).build())
        .getHash();

    int client = Ports.free();
    int peer = Ports.free();
    Path data = dir.resolve("restored");
    String out = CairnTool.snapshot("restore", file.toString(), "--name", "r1", "--data-dir", data.toString(),
        "--initial-cluster", "r1=http://127.0.0.1:" + peer, "--initial-cluster-token", "restored",
        "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer).ok().out();
    assertThat(out).contains("restored snapshot at revision " + rev);
    restored = Member.cairnAt(data, "r1", client, peer, "--initial-cluster-token", "restored");
    ManagedChannel rch = channel(restored);
    try {
      KVGrpc.KVBlockingStub rkv = KVGrpc.newBlockingStub(rch).withDeadlineAfter(120, TimeUnit.SECONDS);
      RangeResponse actual = Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> all(rkv, 0), r -> true);
      assertThat(actual.getHeader().getRevision()).isEqualTo(rev);
      assertThat(actual.getKvsList()).isEqualTo(expected.getKvsList()); // key, value, create/mod revision, version, lease
      assertThat(actual.getKvsList()).anyMatch(k -> k.getLease() == LEASE);
      assertThat(LeaseGrpc.newBlockingStub(rch).leaseLeases(LeaseLeasesRequest.getDefaultInstance()).getLeasesList())
          .anyMatch(l -> l.getID() == LEASE);
      var restoredHash = MaintenanceGrpc.newBlockingStub(rch).hashKV(HashKVRequest.getDefaultInstance());
      assertThat(restoredHash.getHash()).isEqualTo(sourceHash); // the compaction came along too
      assertThat(restoredHash.getHeader().getClusterId()).as("a new cluster")
          .isNotEqualTo(all(kv, 0).getHeader().getClusterId());
      // the restored member takes writes from the next revision on
      assertThat(rkv.put(PutRequest.newBuilder().setKey(bs("after")).setValue(bs("1")).build()).getHeader()
          .getRevision()).isEqualTo(rev + 1);
    } finally {
      rch.shutdownNow();
    }
  }

  @Test
  void aBackupWithOneFlippedByteIsRefused() throws Exception {
    source = Member.cairn(dir);
    ch = channel(source);
    history(KVGrpc.newBlockingStub(ch).withDeadlineAfter(120, TimeUnit.SECONDS));
    Path file = dir.resolve("backup.db");
    new Etcdctl(source.endpoint()).run("snapshot", "save", file.toString()).ok();
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x10;
    Path bad = dir.resolve("bad.db");
    Files.write(bad, bytes);

    Path data = dir.resolve("restored");
    Etcdctl.Result r = CairnTool.snapshot("restore", bad.toString(), "--data-dir", data.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("Error: expected sha256 ").contains("is corrupt");
    assertThat(data).doesNotExist();
    assertThat(CairnTool.snapshot("status", bad.toString()).err()).contains("expected sha256");
    Etcdctl.Result cut = CairnTool.snapshot("status", file.toString().replace("backup", "missing"));
    assertThat(cut.exit()).isEqualTo(1);
    // the JSON gateway streams the same file: etcd's {"result":...} lines, the last one the SHA-256
    Http1.Response http = Http1.post(source.clientPort, "/v3/maintenance/snapshot", "{}");
    assertThat(http.status()).isEqualTo(200);
    java.io.ByteArrayOutputStream viaHttp = new java.io.ByteArrayOutputStream();
    java.util.List<String> lines = http.text().lines().toList();
    for (String line : lines) {
      assertThat(line).startsWith("{\"result\":{").contains("\"version\":\"3.7.0\"");
      String b64 = line.replaceAll(".*\"blob\":\"([^\"]*)\".*", "$1");
      viaHttp.writeBytes(java.util.Base64.getDecoder().decode(b64));
    }
    assertThat(lines.get(lines.size() - 1)).doesNotContain("remaining_bytes");
    assertThat(viaHttp.size() % 512).isEqualTo(32);
    assertThat(viaHttp.size()).isEqualTo(Files.size(file)); // no write in between: same store, same length
    // the intact file still restores
    CairnTool.snapshot("restore", file.toString(), "--data-dir", data.toString()).ok();
    assertThat(data.resolve("member/wal")).isDirectory();
  }

  @Test
  void aCancelledDownloadIsFlowControlledAndLeavesNoCheckpoint() throws Exception {
    source = Member.cairn(dir);
    ch = channel(source);
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch).withDeadlineAfter(120, TimeUnit.SECONDS);
    java.util.Random random = new java.util.Random(1);
    for (int i = 0; i < 100; i++) { // ~10 MB that does not compress: more than gRPC's windows hold
      byte[] value = new byte[100_000];
      random.nextBytes(value);
      kv.put(PutRequest.newBuilder().setKey(bs("big/" + i)).setValue(ByteString.copyFrom(value)).build());
    }
    Path snap = source.dataDir.resolve("member/snap");
    Context.CancellableContext ctx = Context.current().withCancellation();
    try {
      Iterator<SnapshotResponse> it = ctx.call(() -> MaintenanceGrpc.newBlockingStub(ch)
          .snapshot(SnapshotRequest.getDefaultInstance()));
      SnapshotResponse first = it.next();
      assertThat(first.getBlob().size()).isEqualTo(32 * 1024);
      assertThat(first.getRemainingBytes()).isGreaterThan(5_000_000);
      assertThat(first.getVersion()).isEqualTo("3.7.0");
      // the client reads nothing more: the server must wait (flow control) with its checkpoint still there
      assertThat(sendDirs(snap)).isEqualTo(1);
    } finally {
      ctx.cancel(null);
    }
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> sendDirs(snap) == 0);
  }

  private static long sendDirs(Path snap) throws java.io.IOException {
    try (Stream<Path> s = Files.list(snap)) {
      return s.filter(p -> p.getFileName().toString().startsWith("send-backup-")).count();
    }
  }
}
