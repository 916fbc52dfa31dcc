package io.cairn.server.lease;

import io.cairn.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.cairn.proto.serverpb.PeerGrpc;
import io.cairn.server.api.EtcdErrors;
import io.cairn.server.api.MemberState;
import com.google.common.util.concurrent.MoreExecutors;
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

  /** The stub for the leader's first peer URL; its answers run on the channel's event loop (see {@link #leader}). */
  private record Route(URI url, PeerGrpc.PeerStub stub) { }

  private volatile Route route;

  /**
   * The leader's stub with a fresh deadline, or null when this member leads or knows no leader (then it answers
   * itself). The stub is kept per peer URL and answers on the transport's thread ({@code directExecutor}): the
   * callbacks only complete a future, whose continuations write to a client's stream or forward the next renewal,
   * and never block, so a hop to gRPC's default executor per answer bought nothing but a wake-up.
   */
  private PeerGrpc.PeerStub leader() {
    long leader = member.leaderId();
    if (leader == 0 || leader == member.memberId()) {
      return null;
    }
    List<URI> urls = peerUrls.apply(leader);
    if (urls.isEmpty()) {
      return null;
    }
    URI url = urls.get(0);
    Route r = route;
    if (r == null || !r.url().equals(url)) {
      r = new Route(url,
          PeerGrpc.newStub(channels.computeIfAbsent(url, open)).withExecutor(MoreExecutors.directExecutor()));
      route = r;
    }
    // a deadline per call as before: a leader that stopped answering must not hold a renewal forever
    return r.stub().withDeadlineAfter(TIMEOUT_MS, TimeUnit.MILLISECONDS);
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
