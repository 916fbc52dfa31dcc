package io.cairn.server.concurrency;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.mvccpb.KeyValue;
import java.util.concurrent.CompletableFuture;

/**
 * clientv3/concurrency {@code waitDeletes}: waits until no key under a prefix was created at or before a revision.
 * Like etcd it waits on one key at a time, the newest such predecessor, until it is deleted (or re-created, which
 * gives it a new create revision), then looks again; the check is a point read after each applied batch.
 */
final class WaitDeletes {
  private final LocalKv kv;
  private final StoreWaiter waiter;

  WaitDeletes(LocalKv kv, StoreWaiter waiter) {
    this.kv = kv;
    this.waiter = waiter;
  }

  CompletableFuture<Void> await(ByteString prefix, long maxCreateRev, CompletableFuture<?> cancel) {
    return CompletableFuture.supplyAsync(() -> kv.rangeNow(Keys.lastCreatedBefore(prefix, maxCreateRev)),
        waiter.executor()).thenCompose(r -> next(r, prefix, maxCreateRev, cancel));
  }

  private CompletableFuture<Void> next(RangeResponse r, ByteString prefix, long maxCreateRev,
      CompletableFuture<?> cancel) {
    if (r.getKvsCount() == 0) {
      return CompletableFuture.completedFuture(null);
    }
    KeyValue pred = r.getKvs(0);
    return waiter.await(() -> gone(pred), cancel).thenCompose(x -> await(prefix, maxCreateRev, cancel));
  }

  private boolean gone(KeyValue pred) {
    KeyValue now = kv.get(pred.getKey());
    return now == null || now.getCreateRevision() != pred.getCreateRevision();
  }
}
