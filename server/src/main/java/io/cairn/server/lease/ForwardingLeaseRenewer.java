package io.cairn.server.lease;

import io.cairn.proto.etcdserverpb.LeaseGrpc;
import io.cairn.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.cairn.proto.etcdserverpb.LeaseKeepAliveResponse;
import io.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.cairn.server.api.EtcdErrors;
import io.cairn.server.api.MemberState;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * etcd's follower behaviour for leases: renewals and TTL questions are answered by the leader's
 * lessor, so a follower forwards them to the leader's client URL; the leader answers locally.
 */
public final class ForwardingLeaseRenewer implements LeaseRenewer, AutoCloseable {
  private static final long TIMEOUT_MS = 5_000;

  private final LeaseRenewer local;
  private final MemberState member;
  private final LongFunction<List<URI>> clientUrls;
  private final Map<URI, ManagedChannel> channels = new ConcurrentHashMap<>();

  public ForwardingLeaseRenewer(LeaseRenewer local, MemberState member, LongFunction<List<URI>> clientUrls) {
    this.local = local;
    this.member = member;
    this.clientUrls = clientUrls;
  }

  private ManagedChannel leaderChannel() {
    long leader = member.leaderId();
    if (leader == 0 || leader == member.memberId()) {
      return null;
    }
    List<URI> urls = clientUrls.apply(leader);
    if (urls.isEmpty()) {
      return null;
    }
    URI u = urls.get(0);
    return channels.computeIfAbsent(u, x -> ManagedChannelBuilder.forAddress(x.getHost(), x.getPort())
        .usePlaintext().build());
  }

  @Override
  public CompletableFuture<Long> renew(long id) {
    ManagedChannel ch = leaderChannel();
    if (ch == null) {
      return local.renew(id);
    }
    CompletableFuture<Long> f = new CompletableFuture<>();
    StreamObserver<LeaseKeepAliveRequest> req = LeaseGrpc.newStub(ch).withDeadlineAfter(TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .leaseKeepAlive(new StreamObserver<>() {
          @Override
          public void onNext(LeaseKeepAliveResponse r) {
            f.complete(r.getTTL() <= 0 ? -1L : r.getTTL());
          }

          @Override
          public void onError(Throwable t) {
            f.completeExceptionally(EtcdErrors.toStatus(t));
          }

          @Override
          public void onCompleted() {
            f.completeExceptionally(EtcdErrors.unavailable(EtcdErrors.NO_LEADER));
          }
        });
    req.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
    return f.whenComplete((ttl, err) -> req.onCompleted());
  }

  @Override
  public CompletableFuture<Lessor.TimeToLive> timeToLive(long id) {
    ManagedChannel ch = leaderChannel();
    if (ch == null) {
      return local.timeToLive(id);
    }
    return CompletableFuture.supplyAsync(() -> {
      var r = LeaseGrpc.newBlockingStub(ch).withDeadlineAfter(TIMEOUT_MS, TimeUnit.MILLISECONDS)
          .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).build());
      return r.getTTL() == -1 ? null : new Lessor.TimeToLive(id, r.getGrantedTTL(), r.getTTL());
    });
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
  }
}
