package io.cairn.server.lease;

import io.cairn.server.api.Headers;
import io.cairn.server.api.MemberState;
import io.cairn.server.apply.Proposer;
import io.cairn.storage.mvcc.MvccStore;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The lease subsystem of one member, wired: the {@link Lessor} (subscribed to the store's applied lease changes), its
 * {@link LeaseKeeper} on a {@code cairn-lessor} thread, the renewer, grants and the gRPC {@link LeaseService}.
 * The owner forwards raft leader changes to {@link #leaderChanged} (the keeper also notices them on its own within
 * one check interval).
 */
public final class Leases implements AutoCloseable {
  private final Lessor lessor;
  private final LeaseKeeper keeper;
  private final LeaseGrants grants;
  private final LeaseService service;
  private final ScheduledExecutorService thread;
  private final LocalLeaseRenewer local;
  private final ForwardingLeaseRenewer forwarding;

  private Leases(Lessor lessor, LeaseKeeper keeper, LeaseGrants grants, LeaseService service,
      ScheduledExecutorService thread, LocalLeaseRenewer local, ForwardingLeaseRenewer forwarding) {
    this.local = local;
    this.forwarding = forwarding;
    this.lessor = lessor;
    this.keeper = keeper;
    this.grants = grants;
    this.service = service;
    this.thread = thread;
  }

  /**
   * @param peerUrls a member's peer URLs, so a follower can forward renewals to the leader
   * @param peerChannel opens a channel to a peer URL
   */
  public static Leases start(MvccStore store, Proposer proposer, MemberState member, Headers headers,
      LeaseSettings settings, java.util.function.LongFunction<java.util.List<java.net.URI>> peerUrls,
      java.util.function.Function<java.net.URI, io.grpc.ManagedChannel> peerChannel,
      io.cairn.server.apply.Admission admission, io.cairn.server.auth.AuthStore auth, io.cairn.server.loop.Clock clock) {
    ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cairn-lessor");
      t.setDaemon(true);
      return t;
    });
    LeaseKeeper[] keeper = new LeaseKeeper[1];
    Lessor lessor = new Lessor(clock::nanoTime, settings, req -> keeper[0].checkpoint(req));
    keeper[0] = new LeaseKeeper(lessor, proposer, member, thread);
    store.subscribeLeases(lessor);
    keeper[0].start(thread);
    LeaseGrants grants = new LeaseGrants(proposer, lessor, new LeaseIds(member.memberId(), clock.currentTimeMillis()));
    LocalLeaseRenewer local = new LocalLeaseRenewer(lessor, member, proposer);
    ForwardingLeaseRenewer renewer = new ForwardingLeaseRenewer(local, member, peerUrls, peerChannel, clock::nanoTime);
    LeaseService service = new LeaseService(grants, renewer, lessor, store, proposer, headers, admission, auth);
    return new Leases(lessor, keeper[0], grants, service, thread, local, renewer);
  }

  public Lessor lessor() {
    return lessor;
  }

  public LeaseGrants grants() {
    return grants;
  }

  public LeaseService service() {
    return service;
  }

  /** This member's own lessor's answers, for followers' forwarded renewals (refused unless this member leads). */
  public LeaseRenewer localRenewer() {
    return local;
  }

  /** The raft leader changed (any thread; does not block). */
  public void leaderChanged() {
    keeper.leaderChanged();
  }

  @Override
  public void close() {
    keeper.close();
    forwarding.close();
    thread.shutdownNow();
  }
}
