package io.cairn.server.peer;

import io.cairn.proto.serverpb.LeaseRenewal;
import io.cairn.proto.serverpb.LeaseRenewed;
import io.cairn.server.api.EtcdErrors;
import io.cairn.server.lease.LeaseRenewer;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The leader's side of a follower's renewal stream ({@code Peer.LeaseRenewals}): each renewal is answered by this
 * member's lessor when it completes, tagged with its seq, so a slow one holds up no other. Once the follower
 * half-closes (it follows another leader now), the stream ends after the last renewal it sent is answered.
 */
final class LeaseRenewals implements StreamObserver<LeaseRenewal> {
  private final Supplier<LeaseRenewer> leases;
  private final StreamObserver<LeaseRenewed> out;
  // Guarded by this: answers come from whichever thread completes a renewal, and a StreamObserver takes one caller
  // at a time.
  private int unanswered;
  private boolean halfClosed;
  private boolean ended;

  /** @param leases this member's lessor; null until it runs (renewals then fail as on a stopped member) */
  LeaseRenewals(Supplier<LeaseRenewer> leases, StreamObserver<LeaseRenewed> out) {
    this.leases = leases;
    this.out = out;
  }

  @Override
  public void onNext(LeaseRenewal r) {
    synchronized (this) {
      unanswered++;
    }
    LeaseRenewer l = leases.get();
    CompletableFuture<Long> ttl = l == null
        ? CompletableFuture.failedFuture(EtcdErrors.unavailable(EtcdErrors.SERVER_STOPPED)) : l.renew(r.getId());
    ttl.whenComplete((t, err) -> answer(r.getSeq(), t, err));
  }

  private synchronized void answer(long seq, Long ttl, Throwable err) {
    unanswered--;
    if (ended) {
      return;
    }
    LeaseRenewed.Builder b = LeaseRenewed.newBuilder().setSeq(seq);
    if (err != null) {
      Status s = EtcdErrors.toStatus(err).getStatus();
      b.setErrorCode(s.getCode().value()).setError(s.getDescription() == null ? "" : s.getDescription());
    } else {
      b.setTtl(ttl);
    }
    try {
      out.onNext(b.build());
    } catch (RuntimeException cancelled) {
      ended = true; // the follower went away
      return;
    }
    endIfDone();
  }

  private void endIfDone() {
    if (halfClosed && unanswered == 0 && !ended) {
      ended = true;
      out.onCompleted();
    }
  }

  @Override
  public synchronized void onError(Throwable t) {
    ended = true; // the follower's side ended (cancelled, or its member stopped)
  }

  @Override
  public synchronized void onCompleted() {
    halfClosed = true;
    endIfDone();
  }
}
