package io.cairn.storage.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.storage.mvcc.MvccException;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreImport;
import io.cairn.storage.mvcc.StoreOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's schema read from a file real etcd 3.4 saved (tombstones, sub-revisions, compaction marks, leases, auth), and
 * imported into a store that then answers every Range at every revision etcd still holds exactly as etcd answers it.
 */
class EtcdImportDifferentialTest {
  @TempDir
  Path dir;

  private static long rev(RealEtcd e) throws Exception {
    return RangeResponse.parseFrom(e.ctl("get", "a", "-w", "protobuf").ok().stdout()).getHeader().getRevision();
  }

  @Test
  void everyRevisionEtcdHoldsReadsTheSameAfterImport() throws Exception {
    Path file;
    List<RangeResponse> etcdAnswers = new ArrayList<>();
    long compactAt;
    long current;
    String leaseId;
    try (RealEtcd e = RealEtcd.start(dir)) {
      leaseId = e.ctl("lease", "grant", "300").ok().text().split(" ")[1];
      e.ctl("put", "a", "1").ok();
      e.ctl("put", "a", "2").ok();
      e.ctl("put", "b", "x").ok();
      e.ctl("del", "b").ok();
      e.ctlWithInput("\nput c \"3\"\nput d \"4\"\ndel a\n\n\n".getBytes(StandardCharsets.US_ASCII), "txn").ok();
      e.ctl("put", "e", "leased", "--lease=" + leaseId).ok();
      e.ctl("put", "a", "again").ok();
      compactAt = rev(e) - 2;
      e.ctl("compact", Long.toString(compactAt), "--physical").ok();
      e.ctl("put", "f", "leased", "--lease=" + leaseId).ok();
      e.ctl("del", "c").ok();
      e.ctl("user", "add", "root:pw", "--interactive=false").ok();
      e.ctl("role", "add", "root").ok();
      e.ctl("user", "grant-role", "root", "root").ok();
      e.ctl("role", "add", "r1").ok();
      e.ctl("role", "grant-permission", "r1", "read", "k/", "--prefix").ok();
      e.ctl("auth", "enable").ok();
      current = RangeResponse.parseFrom(e.ctl("--user=root:pw", "get", "a", "-w", "protobuf").ok().stdout())
          .getHeader().getRevision();
      for (long r = compactAt; r <= current; r++) {
        etcdAnswers.add(RangeResponse.parseFrom(e.ctl("--user=root:pw", "get", "", "--from-key", "--rev=" + r, "-w",
            "protobuf").ok().stdout()));
      }
      file = e.snapshot("small.db", "--user=root:pw");
    }
    long data = Files.size(file) - 32;
    Path storeDir = dir.resolve("store");
    try (EtcdBackend b = EtcdBackend.open(file, data); StoreImport imp = StoreImport.create(storeDir,
        StoreOptions.builder().syncWrites(false).build())) {
      assertThat(b.scheduledCompactRevision()).isEqualTo(compactAt);
      assertThat(b.finishedCompactRevision()).isEqualTo(compactAt);
      assertThat(b.leases()).containsExactly(new EtcdLease(Long.parseLong(leaseId, 16), 300, 0));
      assertThat(b.authEnabled()).isTrue();
      assertThat(b.authRevision()).as("1, then five changes (enable itself does not count)").isEqualTo(6);
      assertThat(b.users()).singleElement().satisfies(u -> {
        assertThat(u.getName().toStringUtf8()).isEqualTo("root");
        assertThat(u.getPassword().toStringUtf8()).startsWith("$2a$");
      });
      assertThat(b.roles()).extracting(r -> r.getName().toStringUtf8()).containsExactly("r1", "root");
      List<String> tombstones = new ArrayList<>();
      long[] subs = {0};
      b.forEachVersion((r, sub, tombstone, kv) -> {
        if (tombstone) {
          tombstones.add(kv.getKey().toStringUtf8() + "@" + r);
        }
        subs[0] = Math.max(subs[0], sub);
        imp.version(kv.getKey(), r, sub, tombstone, kv.getCreateRevision(), kv.getVersion(), kv.getLease(),
            kv.getValue());
      });
      assertThat(tombstones).as("deletes after the compaction").containsExactly("c@" + current);
      // the txn is the compaction revision: its puts (subs 0, 1) stay, its delete (sub 2) was compacted away
      assertThat(subs[0]).isEqualTo(1);
      for (EtcdLease l : b.leases()) {
        imp.lease(l.id(), l.ttl(), l.remainingTtl());
      }
      imp.finish(imp.maxRevision(), b.scheduledCompactRevision(), b.finishedCompactRevision());
    }
    try (MvccStore store = MvccStore.open(storeDir, StoreOptions.builder().build())) {
      assertThat(store.currentRevision()).isEqualTo(current);
      assertThat(store.compactRevision()).isEqualTo(compactAt);
      for (RangeResponse expected : etcdAnswers) {
        long r = current - (etcdAnswers.size() - 1 - etcdAnswers.indexOf(expected));
        RangeResponse actual = store.range(RangeRequest.newBuilder().setKey(ByteString.copyFrom(new byte[] {0}))
            .setRangeEnd(ByteString.copyFrom(new byte[] {0})).setRevision(r).build());
        assertThat(actual.getKvsList()).as("at revision %d", r).isEqualTo(expected.getKvsList());
      }
      assertThatThrownBy(() -> store.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("a"))
          .setRevision(compactAt - 1).build())).isInstanceOf(MvccException.class).hasMessageContaining("compacted");
      long id = Long.parseLong(leaseId, 16);
      assertThat(store.lease(id).ttl()).isEqualTo(300);
      assertThat(store.leaseKeys(id)).extracting(ByteString::toStringUtf8).containsExactly("e", "f");
      // a write after the import finds the imported key live (kv_live): version bumped, create revision kept
      RangeRequest getE = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("e")).build();
      var before = store.range(getE).getKvs(0);
      store.put(io.cairn.proto.etcdserverpb.PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("e"))
          .setValue(ByteString.copyFromUtf8("after import")).build(), 0);
      var after = store.range(getE).getKvs(0);
      assertThat(after.getVersion()).isEqualTo(before.getVersion() + 1);
      assertThat(after.getCreateRevision()).isEqualTo(before.getCreateRevision());
      assertThat(store.leaseKeys(id)).extracting(ByteString::toStringUtf8).containsExactly("f"); // detached
    }
  }
}
