package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.WatchCreateRequest;
import io.cairn.proto.etcdserverpb.WatchGrpc;
import io.cairn.proto.etcdserverpb.WatchRequest;
import io.cairn.proto.etcdserverpb.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's monitorLeader, on real etcd and on Cairn alike: a member cut off from its cluster ends the watch streams
 * opened with {@code hasleader: true} (clientv3's WithRequireLeader, which Kubernetes' apiserver uses) with
 * Unavailable "etcdserver: no leader" after a few election timeouts, so the client moves to a member with a quorum;
 * a watch opened without it stays; a new one asking for a leader is refused at once.
 */
class RequireLeaderWatchTest {
  @TempDir Path dir;
  List<Member> members = List.of();
  ManagedChannel channel;

  @BeforeAll
  static void integrationOnly() {
    Member.requireIntegrationPhase();
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow();
    }
    for (Member m : members) {
      m.kill();
    }
  }

  /** A watch on key {@code k}; the future completes with the status the stream ends with. */
  private CompletableFuture<Status> watch(boolean requireLeader, CompletableFuture<Void> created) {
    WatchGrpc.WatchStub stub = WatchGrpc.newStub(channel);
    if (requireLeader) {
      Metadata md = new Metadata();
      md.put(Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER), "true");
      stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    }
    CompletableFuture<Status> ended = new CompletableFuture<>();
    StreamObserver<WatchRequest> req = stub.watch(new StreamObserver<>() {
      @Override
      public void onNext(WatchResponse r) {
        if (r.getCreated()) {
          created.complete(null);
        }
      }

      @Override
      public void onError(Throwable t) {
        ended.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        ended.complete(Status.OK);
      }
    });
    req.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8("k"))).build());
    return ended;
  }

  @ParameterizedTest
  @ValueSource(strings = {"etcd", "cairn"})
  void aMemberWithoutALeaderEndsTheWatchesThatRequireOne(String kind) throws Exception {
    members = kind.equals("etcd") ? Member.etcdCluster(dir, 3) : Member.cairnCluster(dir, 3);
    ClusterTest.awaitLeader(members);
    channel = ManagedChannelBuilder.forTarget(members.get(2).endpoint()).usePlaintext().build();
    CompletableFuture<Void> created1 = new CompletableFuture<>();
    CompletableFuture<Void> created2 = new CompletableFuture<>();
    CompletableFuture<Status> required = watch(true, created1);
    CompletableFuture<Status> plain = watch(false, created2);
    created1.get(10, TimeUnit.SECONDS);
    created2.get(10, TimeUnit.SECONDS);

    members.get(0).kill();
    members.get(1).kill();

    Status st = required.get(30, TimeUnit.SECONDS);
    assertThat(st.getCode()).as(kind).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(st.getDescription()).as(kind).isEqualTo("etcdserver: no leader");
    // a watch that did not ask for a leader is kept
    Awaitility.await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> !plain.isDone());

    Status refused = watch(true, new CompletableFuture<>()).get(10, TimeUnit.SECONDS);
    assertThat(refused.getCode()).as(kind).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(refused.getDescription()).as(kind).isEqualTo("etcdserver: no leader");
  }
}
