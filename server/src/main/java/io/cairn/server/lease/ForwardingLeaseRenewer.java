package io.cairn.server.lease;

import io.cairn.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.cairn.proto.serverpb.PeerGrpc;
import io.cairn.server.api.EtcdErrors;
import io.cairn.server.api.MemberState;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
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
 * answers locally. Renewals, which clients send every few seconds per lease, share one stream to the leader; TTL
 * questions are a call each.
 */
public final class ForwardingLeaseRenewer implements LeaseRenewer, AutoCloseable {
  private static final long TIMEOUT_MS = 5_000;

  private final long timeoutMs;
  private final java.util.function.LongSupplier nanoClock;

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
      Function<URI, ManagedChannel> open, java.util.function.LongSupplier nanoClock) {
    this(local, member, peerUrls, open, nanoClock, TIMEOUT_MS);
  }

  /**
   * @param nanoClock the member's clock, for renewals' deadlines
   * @param timeoutMs how long a forwarded renewal or question may wait for the leader's answer
   */
  ForwardingLeaseRenewer(LeaseRenewer local, MemberState member, LongFunction<List<URI>> peerUrls,
      Function<URI, ManagedChannel> open, java.util.function.LongSupplier nanoClock, long timeoutMs) {
    this.nanoClock = nanoClock;
    this.local = local;
    this.member = member;
    this.peerUrls = peerUrls;
    this.open = open;
    this.timeoutMs = timeoutMs;
  }

  /**
   * The leader's first peer URL and its stub, which answers on the channel's event loop ({@code directExecutor}):
   * the callbacks only complete a future, whose continuations write to a client's stream or forward the next
   * renewal, and never block, so a hop to gRPC's default executor per answer bought nothing but a wake-up.
   */
  private static final class Route {
    final URI url;
    final PeerGrpc.PeerStub stub;
    /** The renewal stream to this URL; null until the first renewal, and again after it ended. Guarded by this. */
    private RenewalStream renewals;

    Route(URI url, PeerGrpc.PeerStub stub) {
      this.url = url;
      this.stub = stub;
    }

    synchronized void closeStream() {
      if (renewals != null) {
        renewals.close();
        renewals = null;
      }
    }
  }

  private volatile Route route;
  /** Leaders' peer URLs that answered the renewal stream with UNIMPLEMENTED (an older release): renewed per call. */
  private final java.util.Set<URI> withoutStream = ConcurrentHashMap.newKeySet();

  /** The route to the leader, or null when this member leads or knows no leader (then it answers itself). */
  private Route leader() {
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
    if (r != null && r.url.equals(url)) {
      return r;
    }
    synchronized (this) {
      r = route;
      if (r == null || !r.url.equals(url)) {
        Route old = r;
        r = new Route(url,
            PeerGrpc.newStub(channels.computeIfAbsent(url, open)).withExecutor(MoreExecutors.directExecutor()));
        route = r;
        if (old != null) {
          old.closeStream(); // its renewals in flight are still answered by the old leader
        }
      }
      return r;
    }
  }

  @Override
  public CompletableFuture<Long> renew(long id) {
    Route r = leader();
    if (r == null) {
      return local.renew(id);
    }
    if (withoutStream.contains(r.url)) {
      return renewByCall(r, id);
    }
    RenewalStream s;
    synchronized (r) {
      // a stream can end before open returns (a channel already shut down): the next renewal opens another
      if (r.renewals == null || r.renewals.failure() != null) {
        r.renewals = RenewalStream.open(r.stub, timeoutMs, nanoClock, x -> renewByCall(r, x),
            ended -> streamEnded(r, ended));
      }
      s = r.renewals;
    }
    return s.renew(id);
  }

  private void streamEnded(Route r, RenewalStream s) {
    StatusRuntimeException why = s.failure();
    if (why != null && why.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
      withoutStream.add(r.url);
    }
    synchronized (r) {
      if (r.renewals == s) {
        r.renewals = null; // the next renewal opens a new stream
      }
    }
  }

  /** One renewal, one call: for a leader without the renewal stream, or a renewal that found its stream closed. */
  private CompletableFuture<Long> renewByCall(Route r, long id) {
    CompletableFuture<Long> f = new CompletableFuture<>();
    // a deadline per call: a leader that stopped answering must not hold a renewal forever
    r.stub.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).leaseRenew(
        LeaseKeepAliveRequest.newBuilder().setID(id).build(), answer(f, x -> x.getTTL() <= 0 ? -1L : x.getTTL()));
    return f;
  }

  @Override
  public CompletableFuture<Lessor.TimeToLive> timeToLive(long id) {
    Route r = leader();
    if (r == null) {
      return local.timeToLive(id);
    }
    CompletableFuture<Lessor.TimeToLive> f = new CompletableFuture<>();
    r.stub.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS).leaseTimeToLive(
        LeaseTimeToLiveRequest.newBuilder().setID(id).build(), answer(f,
        x -> x.getTTL() == -1 ? null : new Lessor.TimeToLive(id, x.getGrantedTTL(), x.getTTL())));
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
