package io.cairn.storage.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.PutRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live key count behind etcd_debugging_mvcc_keys_total is kept by every committed write and survives a reopen;
 * a store without it (written before it was kept, or imported) is counted once at open.
 */
class LiveKeyCountTest {
  @TempDir Path dir;

  static PutRequest put(String k) {
    return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(k)).setValue(ByteString.copyFromUtf8("v")).build();
  }

  @Test
  void keptByWritesAndReopen() {
    StoreOptions o = StoreOptions.builder().syncWrites(false).build();
    try (MvccStore s = MvccStore.open(dir, o)) {
      s.put(put("a"), 0);
      s.put(put("b"), 0);
      s.put(put("a"), 0); // an update adds no key
      s.put(put("c"), 0);
      s.deleteRange(DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("b"))
          .setRangeEnd(ByteString.copyFromUtf8("d")).build(), 0);
      assertThat(s.liveKeyCount()).isEqualTo(1);
    }
    try (MvccStore s = MvccStore.open(dir, o)) {
      assertThat(s.liveKeyCount()).isEqualTo(1);
    }
  }

  @Test
  void aStoreWithoutTheCountIsCountedOnceAtOpen() throws Exception {
    StoreOptions o = StoreOptions.builder().syncWrites(false).build();
    try (MvccStore s = MvccStore.open(dir, o)) {
      for (int i = 0; i < 5; i++) {
        s.put(put("k" + i), 0);
      }
    }
    try (KvDatabase db = KvDatabase.open(dir, o)) { // as a store from before the count was kept
      db.deleteMetaKey(KvDatabase.META_LIVE_KEYS);
    }
    try (MvccStore s = MvccStore.open(dir, o)) {
      assertThat(s.liveKeyCount()).isEqualTo(5);
    }
  }
}
