package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's backup proof: a 3-member cluster under writes on every member, {@code etcdctl snapshot save} from a
 * follower, {@code cairn snapshot restore} into a fresh 3-member cluster; every member of the new cluster holds every
 * key with its value, revisions and version exactly as the source held them at the snapshot's revision.
 */
class ClusterBackupTest {
  @TempDir
  Path dir;
  List<Member> source = new ArrayList<>();
  List<Member> restored = new ArrayList<>();
  List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    channels.forEach(ManagedChannel::shutdownNow);
    for (Member m : restored) {
      m.close();
    }
    for (Member m : source) {
      m.close();
    }
  }

  private KVGrpc.KVBlockingStub kv(Member m) {
    ManagedChannel ch = ManagedChannelBuilder.forTarget(m.endpoint()).usePlaintext().build();
    channels.add(ch);
    return KVGrpc.newBlockingStub(ch);
  }

  private static RangeResponse all(KVGrpc.KVBlockingStub kv, long rev) {
    return kv.withDeadlineAfter(60, TimeUnit.SECONDS).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("\0"))
        .setRangeEnd(ByteString.copyFromUtf8("\0")).setRevision(rev).build());
  }

  @Test
  void aBackupOfABusyClusterRestoresIntoANewClusterWithEveryKeyAndRevision() throws Exception {
    java.nio.file.Files.createDirectories(dir.resolve("src"));
    source = Member.cairnCluster(dir.resolve("src"), 3);
    ClusterTest.awaitLeader(source);
    List<KVGrpc.KVBlockingStub> writers = new ArrayList<>();
    for (Member m : source) {
      writers.add(kv(m));
    }
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong written = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < 3; w++) {
      KVGrpc.KVBlockingStub kv = writers.get(w);
      int id = w;
      Thread t = new Thread(() -> {
        for (long i = 0; !stop.get() && i < 100_000; i++) {
          try {
            kv.withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("w" + id + "/" + (i % 50))).setValue(ByteString.copyFromUtf8("v" + i))
                .build());
            written.incrementAndGet();
          } catch (RuntimeException e) {
            // a write that failed is simply not counted; the comparison below reads what the source holds
          }
        }
      }, "it-writer-" + w);
      t.start();
      threads.add(t);
    }
    Path file = dir.resolve("backup.db");
    Etcdctl.Result saved;
    try {
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> written.get() >= 300);
      saved = new Etcdctl(source.get(2).endpoint()).run("snapshot", "save", file.toString());
      long before = written.get();
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> written.get() >= before + 100);
    } finally {
      stop.set(true);
      for (Thread t : threads) {
        t.join(20_000);
      }
    }
    assertThat(saved.exit()).as(saved.err()).isZero();
    long rev = EtcdctlDifferentialTest.num(CairnTool.snapshot("status", file.toString(), "-w", "json").ok().out(),
        "revision");
    RangeResponse expected = all(writers.get(0), rev);
    assertThat(expected.getCount()).isEqualTo(150);
    assertThat(all(writers.get(0), 0).getHeader().getRevision()).as("writes went on after the save").isGreaterThan(rev);

    restored = CairnTool.restoreCluster(file, dir, 3, "r", "restored", rev);
    for (Member m : restored) {
      KVGrpc.KVBlockingStub kv = kv(m);
      RangeResponse actual = Awaitility.await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(() -> all(kv, 0), r -> true);
      assertThat(actual.getHeader().getRevision()).isEqualTo(rev);
      // key, value, create and mod revision, version and lease of every key
      assertThat(actual.getKvsList()).isEqualTo(expected.getKvsList());
    }
    // the new cluster takes writes from the next revision on, on any member
    assertThat(kv(restored.get(1)).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("after"))
        .setValue(ByteString.copyFromUtf8("1")).build()).getHeader().getRevision()).isEqualTo(rev + 1);
  }
}
