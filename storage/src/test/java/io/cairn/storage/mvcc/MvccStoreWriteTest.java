package io.cairn.storage.mvcc;

import static io.cairn.storage.mvcc.StoreFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.etcdserverpb.DeleteRangeResponse;
import io.cairn.proto.etcdserverpb.PutResponse;
import io.cairn.proto.mvccpb.KeyValue;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Revisions, per-key metadata, Put and DeleteRange semantics (reference 3.1, 3.4). */
class MvccStoreWriteTest {
  @TempDir Path dir;
  MvccStore store;

  @BeforeEach
  void open() {
    store = MvccStore.open(dir, StoreOptions.builder().syncWrites(false).build());
    store.leaseGrant(7, 60, 0);
    store.leaseGrant(8, 60, 0);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void emptyStoreIsAtRevisionOneAndFirstWriteIsTwo() {
    assertThat(store.currentRevision()).isEqualTo(1);
    assertThat(store.compactRevision()).isZero();
    assertThat(get(store, "a").getHeader().getRevision()).isEqualTo(1);
    PutResponse r = put(store, "a", "1");
    assertThat(r.getHeader().getRevision()).isEqualTo(2);
    assertThat(store.currentRevision()).isEqualTo(2);
  }

  @Test
  void putTracksCreateModVersionAndAlwaysBumps() {
    put(store, "a", "1");
    put(store, "a", "1"); // same value: still a new revision
    put(store, "b", "x");
    put(store, "a", "2");
    KeyValue a = kv(store, "a");
    assertThat(a.getCreateRevision()).isEqualTo(2);
    assertThat(a.getModRevision()).isEqualTo(5);
    assertThat(a.getVersion()).isEqualTo(3);
    assertThat(str(a.getValue())).isEqualTo("2");
    assertThat(store.currentRevision()).isEqualTo(5);
  }

  @Test
  void deleteResetsKeyAndLaterPutStartsANewGeneration() {
    put(store, "a", "1");
    put(store, "a", "2");
    DeleteRangeResponse d = delete(store, "a", "");
    assertThat(d.getDeleted()).isEqualTo(1);
    assertThat(d.getHeader().getRevision()).isEqualTo(4);
    assertThat(kv(store, "a")).isNull();
    assertThat(get(store, "a").getCount()).isZero();
    put(store, "a", "3");
    KeyValue a = kv(store, "a");
    assertThat(a.getCreateRevision()).isEqualTo(5);
    assertThat(a.getVersion()).isEqualTo(1);
    // history stays readable
    assertThat(store.range(rangeReq("a", "").setRevision(3).build()).getKvs(0).getValue()).isEqualTo(bs("2"));
    assertThat(store.range(rangeReq("a", "").setRevision(4).build()).getKvsCount()).isZero();
  }

  @Test
  void deleteOfNothingDoesNotBumpRevision() {
    put(store, "a", "1");
    DeleteRangeResponse d = delete(store, "b", "");
    assertThat(d.getDeleted()).isZero();
    assertThat(d.getHeader().getRevision()).isEqualTo(2);
    assertThat(delete(store, "a", "").getHeader().getRevision()).isEqualTo(3);
    assertThat(delete(store, "a", "").getHeader().getRevision()).isEqualTo(3);
    assertThat(store.currentRevision()).isEqualTo(3);
  }

  @Test
  void deleteRangeReturnsCountAndPrevKvsAndSharesOneRevision() {
    put(store, "a", "1");
    put(store, "b", "2");
    put(store, "c", "3");
    put(store, "d", "4");
    DeleteRangeResponse d = store.deleteRange(delReq("b", "d").setPrevKv(true).build(), 0);
    assertThat(d.getDeleted()).isEqualTo(2);
    assertThat(d.getPrevKvsList()).extracting(kv -> str(kv.getKey())).containsExactly("b", "c");
    assertThat(d.getPrevKvs(0).getModRevision()).isEqualTo(3);
    assertThat(d.getHeader().getRevision()).isEqualTo(6);
    assertThat(keys(store.range(rangeReq("\0", "\0").build()))).containsExactly("a", "d");
    var events = store.changesSince(6, 0);
    assertThat(events).hasSize(2);
    assertThat(events).allSatisfy(e -> assertThat(e.getKv().getModRevision()).isEqualTo(6));
  }

  @Test
  void deleteFromKeyAndAllKeys() {
    for (String k : new String[] {"a", "b", "c"}) put(store, k, k);
    assertThat(delete(store, "b", "\0").getDeleted()).isEqualTo(2);
    assertThat(keys(store.range(rangeReq("\0", "\0").build()))).containsExactly("a");
    put(store, "z", "z");
    assertThat(delete(store, "\0", "\0").getDeleted()).isEqualTo(2);
    assertThat(store.range(rangeReq("\0", "\0").build()).getCount()).isZero();
  }

  @Test
  void putPrevKv() {
    PutResponse first = store.put(putReq("a", "1").setPrevKv(true).build(), 0);
    assertThat(first.hasPrevKv()).isFalse();
    PutResponse second = store.put(putReq("a", "2").setPrevKv(true).build(), 0);
    assertThat(second.getPrevKv().getValue()).isEqualTo(bs("1"));
    assertThat(second.getPrevKv().getModRevision()).isEqualTo(2);
    assertThat(store.put(putReq("a", "3").build(), 0).hasPrevKv()).isFalse();
  }

  @Test
  void leaseMustExistAndZeroDetaches() {
    assertThatThrownBy(() -> store.put(putReq("a", "1").setLease(99).build(), 0))
        .isInstanceOfSatisfying(MvccException.class, e -> {
          assertThat(e.code()).isEqualTo(MvccException.Code.NOT_FOUND);
          assertThat(e.getMessage()).isEqualTo("etcdserver: requested lease not found");
        });
    assertThat(store.currentRevision()).isEqualTo(1);
    store.put(putReq("a", "1").setLease(7).build(), 0);
    assertThat(kv(store, "a").getLease()).isEqualTo(7);
    put(store, "a", "2");
    assertThat(kv(store, "a").getLease()).isZero();
  }

  @Test
  void ignoreValueKeepsValueAndNeedsExistingKey() {
    assertThatThrownBy(() -> store.put(putReq("a", "").setIgnoreValue(true).build(), 0))
        .isInstanceOfSatisfying(MvccException.class, e -> {
          assertThat(e.code()).isEqualTo(MvccException.Code.INVALID_ARGUMENT);
          assertThat(e.getMessage()).isEqualTo("etcdserver: key not found");
        });
    assertThatThrownBy(() -> store.put(putReq("a", "v").setIgnoreValue(true).build(), 0))
        .hasMessage("etcdserver: value is provided");
    store.put(putReq("a", "1").setLease(7).build(), 0);
    store.put(putReq("a", "").setIgnoreValue(true).setLease(8).build(), 0);
    KeyValue a = kv(store, "a");
    assertThat(a.getValue()).isEqualTo(bs("1"));
    assertThat(a.getLease()).isEqualTo(8);
    assertThat(a.getVersion()).isEqualTo(2);
  }

  @Test
  void ignoreLeaseKeepsLease() {
    assertThatThrownBy(() -> store.put(putReq("a", "1").setIgnoreLease(true).setLease(7).build(), 0))
        .hasMessage("etcdserver: lease is provided");
    assertThatThrownBy(() -> store.put(putReq("a", "1").setIgnoreLease(true).build(), 0))
        .hasMessage("etcdserver: key not found");
    store.put(putReq("a", "1").setLease(7).build(), 0);
    store.put(putReq("a", "2").setIgnoreLease(true).build(), 0);
    assertThat(kv(store, "a").getLease()).isEqualTo(7);
    assertThat(kv(store, "a").getValue()).isEqualTo(bs("2"));
  }

  @Test
  void plainPutChecksLeaseBeforeKeyExistence() {
    // etcd's Put path looks the lease up before put() checks ignore_value's key
    assertThatThrownBy(() -> store.put(putReq("a", "").setIgnoreValue(true).setLease(99).build(), 0))
        .hasMessage("etcdserver: requested lease not found");
  }

  @Test
  void emptyKeyIsRejected() {
    assertThatThrownBy(() -> put(store, "", "v")).hasMessage("etcdserver: key is not provided");
    assertThatThrownBy(() -> delete(store, "", "")).hasMessage("etcdserver: key is not provided");
    assertThatThrownBy(() -> get(store, "")).hasMessage("etcdserver: key is not provided");
  }

  @Test
  void keysWithZeroAndFfBytesAreDistinctAndOrdered() {
    String[] ks = {"a", "a\0", "a\0\0", "a\0b", "a\1", "a\u00ff", "a\u00ff\0", "b", "\0", "\0\0", "\u00ff"};
    for (String k : ks) put(store, k, "v" + k);
    assertThat(keys(store.range(rangeReq("\0", "\0").build())))
        .containsExactly("\0", "\0\0", "a", "a\0", "a\0\0", "a\0b", "a\1", "a\u00ff", "a\u00ff\0", "b", "\u00ff");
    for (String k : ks) assertThat(kv(store, k).getValue()).isEqualTo(bs("v" + k));
    assertThat(keys(store.range(rangeReq("a\0", "a\1").build()))).containsExactly("a\0", "a\0\0", "a\0b");
    assertThat(delete(store, "a", "").getDeleted()).isEqualTo(1);
    assertThat(kv(store, "a\0")).isNotNull();
  }

  @Test
  void largeValuesRoundTrip() {
    byte[] big = new byte[1 << 20];
    new java.util.Random(1).nextBytes(big);
    store.put(putReq("big", "").setValue(com.google.protobuf.ByteString.copyFrom(big)).build(), 0);
    assertThat(kv(store, "big").getValue().toByteArray()).isEqualTo(big);
  }
}
