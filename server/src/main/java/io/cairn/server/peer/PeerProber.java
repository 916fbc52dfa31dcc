package io.cairn.server.peer;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.cairn.proto.serverpb.AttributesRequest;
import io.cairn.proto.serverpb.MemberAttributes;
import io.cairn.proto.serverpb.PeerGrpc;
import io.cairn.server.metrics.MemberEvents;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Measures the round trip to each peer as etcd's prober does: every few seconds a small request on the peer port (here
 * the Attributes call), timed from send to answer. The calls are asynchronous, so the scheduler's thread (which
 * also ticks Raft) never waits for a slow peer; an unanswered probe records nothing.
 */
public final class PeerProber implements AutoCloseable {
  static final long INTERVAL_MS = 5000;
  private static final long DEADLINE_MS = 2000;

  private final ScheduledFuture<?> task;

  public PeerProber(Supplier<java.util.Map<Long, io.grpc.ManagedChannel>> peers, MemberEvents events,
      ScheduledExecutorService scheduler) {
    this.task = scheduler.scheduleWithFixedDelay(() -> peers.get().forEach((id, channel) -> probe(id, channel, events)),
        1000, INTERVAL_MS, TimeUnit.MILLISECONDS);
  }

  private static void probe(long id, io.grpc.ManagedChannel channel, MemberEvents events) {
    long started = System.nanoTime();
    try {
      Futures.addCallback(PeerGrpc.newFutureStub(channel).withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS)
          .attributes(AttributesRequest.getDefaultInstance()), new FutureCallback<MemberAttributes>() {
            @Override
            public void onSuccess(MemberAttributes result) {
              events.peerRoundTrip(id, System.nanoTime() - started);
            }

            @Override
            public void onFailure(Throwable t) {
              // unreachable: the stream's failures count it, the histogram stays a measure of answers
            }
          }, MoreExecutors.directExecutor());
    } catch (RuntimeException e) {
      // a channel shut down under the probe (the peer was removed)
    }
  }

  @Override
  public void close() {
    task.cancel(false);
  }
}
