package io.cairn.server.concurrency;

import com.google.protobuf.ByteString;
import io.cairn.proto.mvccpb.KeyValue;
import io.cairn.proto.v3electionpb.LeaderResponse;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * One Election.Observe stream: sends the current leader, then the leader again whenever it changes: a proclaimed
 * value (new mod revision of the leader key) or another leader after the old one's key is deleted. While there is
 * no leader nothing is sent. Changes are looked for after each applied batch, so values proclaimed within one batch
 * collapse into the last one (etcd's watch-based loop would send each); the stream ends when the client cancels.
 */
final class LeaderObserver {
  private final LocalKv kv;
  private final StoreWaiter waiter;
  private final ByteString prefix;
  private final ServerCallStreamObserver<LeaderResponse> out;
  private final CompletableFuture<Void> cancelled;
  /** Touched only on the waiter's thread. */
  private KeyValue lastSent;

  LeaderObserver(LocalKv kv, StoreWaiter waiter, ByteString prefix, ServerCallStreamObserver<LeaderResponse> out) {
    this.kv = kv;
    this.waiter = waiter;
    this.prefix = prefix;
    this.out = out;
    this.cancelled = Calls.cancellation(out);
  }

  void start() {
    waiter.executor().execute(this::next);
  }

  private KeyValue leader() {
    var r = kv.rangeNow(Keys.firstCreated(prefix));
    return r.getKvsCount() == 0 ? null : r.getKvs(0);
  }

  private boolean changed() {
    KeyValue now = leader();
    return now != null && (lastSent == null || !now.getKey().equals(lastSent.getKey())
        || now.getModRevision() != lastSent.getModRevision());
  }

  private void next() {
    waiter.await(this::changed, cancelled).whenCompleteAsync((x, err) -> {
      if (err != null) {
        return; // cancelled by the client or the server stopping
      }
      KeyValue now = leader();
      if (now == null) {
        next();
        return;
      }
      lastSent = now;
      try {
        out.onNext(LeaderResponse.newBuilder().setHeader(kv.headers().at(kv.currentRevision())).setKv(now).build());
      } catch (RuntimeException gone) {
        return;
      }
      next();
    }, waiter.executor());
  }
}
