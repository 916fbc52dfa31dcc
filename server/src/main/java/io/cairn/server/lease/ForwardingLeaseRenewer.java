package io.cairn.server.lease;

import io.cairn.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.cairn.proto.serverpb.PeerGrpc;
import io.cairn.server.api.EtcdErrors;
import io.cairn.server.api.MemberState;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongFunction;

/**
 * etcd's follower behaviour for leases: renewals and TTL questions are answered by the leader's lessor, so a
 * follower forwards them to the leader over the peer port (etcd: {@code /leases} on the leader's peer URL), with the
 * peer transport's TLS and cluster check and no client credentials (the follower checked the caller); the leader
 * answers locally.
 */
public final class ForwardingLeaseRenewer implements LeaseRenewer, AutoCloseable {
  private static final long TIMEOUT_MS = 5_000;

  private final LeaseRenewer local;
  private final MemberState member;
  private final LongFunction<List<URI>> peerUrls;
  private final Function<URI, ManagedChannel> open;
  private final Map<URI, ManagedChannel> channels = new ConcurrentHashMap<>();

  /**
   * @param peerUrls a member's peer URLs
   * @param open opens a channel to a peer URL (the peer transport's TLS and cluster id stamp)
   */
  public ForwardingLeaseRenewer(LeaseRenewer local, MemberState member, LongFunction<List<URI>> peerUrls,
      Function<URI, ManagedChannel> open) {
    this.local = local;
    this.member = member;
    this.peerUrls = peerUrls;
    this.open = open;
  }

  /** The leader's stub, or null when this member leads or knows no leader (then it answers itself). */
  private PeerGrpc.PeerStub leader() {
    long leader = member.leaderId();
    if (leader == 0 || leader == member.memberId()) {
      return null;
    }
    List<URI> urls = peerUrls.apply(leader);
    if (urls.isEmpty()) {
      return null;
    }
    return PeerGrpc.newStub(channels.computeIfAbsent(urls.get(0), open))
        .withDeadlineAfter(TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  @Override
  public CompletableFuture<Long> renew(long id) {
    PeerGrpc.PeerStub leader = leader();
    if (leader == null) {
      return local.renew(id);
    }
    CompletableFuture<Long> f = new CompletableFuture<>();
    leader.leaseRenew(LeaseKeepAliveRequest.newBuilder().setID(id).build(), answer(f, r -> r.getTTL() <= 0 ? -1L
        : r.getTTL()));
    return f;
  }

  @Override
  public CompletableFuture<Lessor.TimeToLive> timeToLive(long id) {
    PeerGrpc.PeerStub leader = leader();
    if (leader == null) {
      return local.timeToLive(id);
    }
    CompletableFuture<Lessor.TimeToLive> f = new CompletableFuture<>();
    leader.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).build(), answer(f,
        r -> r.getTTL() == -1 ? null : new Lessor.TimeToLive(id, r.getGrantedTTL(), r.getTTL())));
    return f;
  }

  private static <R, T> StreamObserver<R> answer(CompletableFuture<T> f, Function<R, T> convert) {
    return new StreamObserver<>() {
      @Override
      public void onNext(R r) {
        f.complete(convert.apply(r));
      }

      @Override
      public void onError(Throwable t) {
        f.completeExceptionally(EtcdErrors.toStatus(t));
      }

      @Override
      public void onCompleted() {
        f.completeExceptionally(EtcdErrors.unavailable(EtcdErrors.NO_LEADER)); // only if no answer came
      }
    };
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
  }
}
