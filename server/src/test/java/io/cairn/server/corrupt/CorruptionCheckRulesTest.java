package io.cairn.server.corrupt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.HashKVResponse;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.ResponseHeader;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreHash;
import io.cairn.storage.mvcc.StoreOptions;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's comparison rules of the initial and the periodic corruption checks, against scripted peer answers. */
class CorruptionCheckRulesTest {
  static final long SELF = 1;
  static final long PEER = 2;

  @TempDir
  Path dir;
  MvccStore store;
  StoreHash local;
  final List<PeerHashes.PeerHash> answers = new ArrayList<>();
  final List<Long> askedAt = new ArrayList<>();
  CorruptionCheck check;

  @BeforeEach
  void open() {
    store = MvccStore.open(dir, StoreOptions.builder().syncWrites(false).build());
    for (int i = 0; i < 3; i++) {
      store.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k" + i))
          .setValue(ByteString.copyFromUtf8("v")).build(), 0);
    }
    local = store.hashKv(0);
    check = new CorruptionCheck(SELF, store, rev -> {
      askedAt.add(rev);
      return answers;
    });
  }

  @AfterEach
  void close() {
    store.close();
  }

  private void peerAnswers(int hash, long revision, long compactRevision) {
    answers.add(new PeerHashes.PeerHash(PEER, List.of("http://127.0.0.1:1"), HashKVResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setMemberId(PEER).setRevision(revision)).setHash(hash)
        .setCompactRevision(compactRevision).build(), null));
  }

  private long periodic() throws Exception {
    return check.periodic(() -> CompletableFuture.completedFuture(null), Duration.ofSeconds(5));
  }

  @Test
  void initialPassesOnEqualHashesAndAsksAtTheLocalRevision() {
    peerAnswers(local.hash(), local.currentRevision(), local.compactRevision());
    assertThatCode(check::initial).doesNotThrowAnyException();
    assertThat(askedAt).containsExactly(local.hashRevision());
  }

  @Test
  void initialRefusesADifferentHashAtTheSameCompactRevision() {
    peerAnswers(local.hash() + 1, local.currentRevision(), local.compactRevision());
    assertThatThrownBy(check::initial).hasMessage("1 found data inconsistency with peers");
  }

  @Test
  void initialSkipsPeersThatCannotBeCompared() {
    peerAnswers(local.hash() + 1, local.currentRevision(), local.compactRevision() + 5); // other compact revision
    answers.add(new PeerHashes.PeerHash(3, List.of("http://127.0.0.1:2"), null, Status.OUT_OF_RANGE
        .withDescription("etcdserver: mvcc: required revision is a future revision").asRuntimeException()));
    assertThatCode(check::initial).doesNotThrowAnyException();
  }

  @Test
  void periodicBlamesAFollowerWithAnotherHashAtTheSameCompactRevision() throws Exception {
    peerAnswers(local.hash(), local.currentRevision(), local.compactRevision());
    assertThat(periodic()).isZero();
    answers.clear();
    peerAnswers(local.hash() + 1, local.currentRevision(), local.compactRevision());
    assertThat(periodic()).isEqualTo(PEER);
  }

  @Test
  void periodicBlamesAFollowerAheadOfTheLeader() throws Exception {
    peerAnswers(local.hash(), local.currentRevision() + 1, local.compactRevision());
    assertThat(periodic()).isEqualTo(PEER);
    answers.clear();
    peerAnswers(local.hash(), local.currentRevision(), local.compactRevision() + 1);
    assertThat(periodic()).as("compacted further than the leader").isEqualTo(PEER);
  }

  @Test
  void periodicIgnoresAnotherHashAtAnotherCompactRevisionAndMissingAnswers() throws Exception {
    peerAnswers(local.hash() + 1, local.currentRevision(), local.compactRevision() - 1);
    answers.add(new PeerHashes.PeerHash(3, List.of("http://127.0.0.1:2"), null,
        Status.UNAVAILABLE.asRuntimeException()));
    assertThat(periodic()).isZero();
  }
}
