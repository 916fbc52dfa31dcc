package io.cairn.server.corrupt;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.proto.etcdserverpb.HashKVResponse;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.ResponseHeader;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreHash;
import io.cairn.storage.mvcc.StoreOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd 3.6's CompactHashCheck rules, against scripted follower answers and a real store's compaction hashes. */
class CompactHashCheckTest {
  static final long SELF = 1;

  @TempDir Path dir;
  MvccStore store;
  /** revision → follower answers (id → hash at the leader's compact revision, or null: no answer). */
  final Map<Long, List<PeerHashes.PeerHash>> answers = new HashMap<>();
  final List<Long> askedAt = new ArrayList<>();
  final List<Long> marked = new ArrayList<>();
  CompactHashCheck check;

  @BeforeEach
  void open() {
    store = MvccStore.open(dir, StoreOptions.builder().syncWrites(false).build());
    store.recordCompactionHashes();
    for (int i = 0; i < 30; i++) {
      store.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k" + i % 4))
          .setValue(ByteString.copyFromUtf8("v" + i)).build(), 0);
    }
    check = new CompactHashCheck(SELF, store.compactionHashes(), rev -> {
      askedAt.add(rev);
      return answers.getOrDefault(rev, List.of());
    }, marked::add);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private StoreHash compactTo(long rev) {
    store.compact(CompactionRequest.newBuilder().setRevision(rev).setPhysical(true).build(), 0);
    org.awaitility.Awaitility.await().until(() -> store.compactionHashes().at(rev).isPresent());
    return store.compactionHashes().at(rev).orElseThrow();
  }

  private static PeerHashes.PeerHash peer(long id, StoreHash h, int hash) {
    return new PeerHashes.PeerHash(id, List.of("http://127.0.0.1:" + id), HashKVResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setMemberId(id).setRevision(h.currentRevision())).setHash(hash)
        .setCompactRevision(h.compactRevision()).setHashRevision(h.hashRevision()).build(), null);
  }

  private static PeerHashes.PeerHash silent(long id) {
    return new PeerHashes.PeerHash(id, List.of("http://127.0.0.1:" + id), null,
        io.grpc.Status.UNAVAILABLE.asRuntimeException());
  }

  @Test
  void agreeingFollowersMarkTheRevisionCheckedAndOlderOnesAreNotAskedAgain() {
    StoreHash first = compactTo(10);
    StoreHash second = compactTo(20);
    answers.put(20L, List.of(peer(2, second, second.hash()), peer(3, second, second.hash())));
    assertThat(check.pass()).isEqualTo(1);
    assertThat(askedAt).containsExactly(20L);
    assertThat(marked).isEmpty();
    askedAt.clear();
    assertThat(check.pass()).isZero(); // nothing above 20 is unchecked
    assertThat(askedAt).isEmpty();
    assertThat(first.compactRevision()).isEqualTo(-1);
    assertThat(second.compactRevision()).isEqualTo(10);
  }

  @Test
  void aRevisionNotAnsweredByEveryFollowerIsNotCheckedAndTheNextOlderIsTried() {
    StoreHash first = compactTo(10);
    StoreHash second = compactTo(20);
    answers.put(20L, List.of(peer(2, second, second.hash()), silent(3)));
    answers.put(10L, List.of(peer(2, first, first.hash()), peer(3, first, first.hash())));
    assertThat(check.pass()).isEqualTo(2);
    assertThat(askedAt).containsExactly(20L, 10L);
    askedAt.clear();
    check.pass();
    assertThat(askedAt).as("20 is still unchecked; 10 was checked").containsExactly(20L);
    assertThat(marked).isEmpty();
  }

  @Test
  void aMinorityWithAnotherHashIsMarkedCorrupt() {
    StoreHash h = compactTo(15);
    answers.put(15L, List.of(peer(2, h, h.hash()), peer(3, h, h.hash() + 1)));
    check.pass();
    assertThat(marked).containsExactly(3L);
  }

  @Test
  void theLeaderItselfIsMarkedWhenTheFollowersAgreeAgainstIt() {
    StoreHash h = compactTo(15);
    answers.put(15L, List.of(peer(2, h, h.hash() + 7), peer(3, h, h.hash() + 7)));
    check.pass();
    assertThat(marked).containsExactly(SELF);
  }

  @Test
  void withoutAQuorumForAnyHashEveryMemberIsMarked() {
    StoreHash h = compactTo(15);
    answers.put(15L, List.of(peer(2, h, h.hash() + 1), peer(3, h, h.hash() + 2)));
    check.pass();
    assertThat(marked).containsExactlyInAnyOrder(SELF, 2L, 3L);
  }

  @Test
  void aFollowerThatCompactedFromAnotherRevisionIsSkipped() {
    StoreHash h = compactTo(15);
    StoreHash other = new StoreHash(h.hash() + 1, h.currentRevision(), 3, 15);
    answers.put(15L, List.of(peer(2, h, h.hash()), peer(3, other, other.hash())));
    check.pass();
    assertThat(marked).isEmpty();
    askedAt.clear();
    check.pass();
    assertThat(askedAt).as("not every follower was compared: asked again").containsExactly(15L);
  }
}
