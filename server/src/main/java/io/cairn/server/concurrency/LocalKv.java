package io.cairn.server.concurrency;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.DeleteRangeResponse;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.TxnResponse;
import io.cairn.proto.mvccpb.KeyValue;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.server.api.Headers;
import io.cairn.server.apply.Proposer;
import io.cairn.storage.mvcc.MvccStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * What the concurrency recipes need from the KV API, served in-process (etcd runs them over a local clientv3):
 * writes through raft, linearizable reads behind a read barrier, serializable reads straight from the store. Results
 * come back on the given executor with full response headers.
 */
final class LocalKv {
  private final MvccStore store;
  private final Proposer proposer;
  private final Headers headers;
  private final Executor executor;

  LocalKv(MvccStore store, Proposer proposer, Headers headers, Executor executor) {
    this.store = store;
    this.proposer = proposer;
    this.headers = headers;
    this.executor = executor;
  }

  Headers headers() {
    return headers;
  }

  CompletableFuture<TxnResponse> txn(TxnRequest req) {
    return proposer.propose(InternalRequest.newBuilder().setTxn(req).build()).thenApplyAsync(m -> {
      TxnResponse r = (TxnResponse) m;
      return r.toBuilder().setHeader(headers.at(r.getHeader().getRevision())).build();
    }, executor);
  }

  CompletableFuture<DeleteRangeResponse> delete(ByteString key) {
    InternalRequest req = InternalRequest.newBuilder()
        .setDeleteRange(DeleteRangeRequest.newBuilder().setKey(key)).build();
    return proposer.propose(req).thenApplyAsync(m -> {
      DeleteRangeResponse r = (DeleteRangeResponse) m;
      return r.toBuilder().setHeader(headers.at(r.getHeader().getRevision())).build();
    }, executor);
  }

  /** Linearizable Range (etcd's default). */
  CompletableFuture<RangeResponse> range(RangeRequest req) {
    return proposer.readBarrier().thenApplyAsync(x -> rangeNow(req), executor);
  }

  /** Serializable Range from this member's store. */
  RangeResponse rangeNow(RangeRequest req) {
    RangeResponse r = store.range(req);
    return r.toBuilder().setHeader(headers.at(r.getHeader().getRevision())).build();
  }

  /** The live version of {@code key} in this member's store, or null. */
  KeyValue get(ByteString key) {
    RangeResponse r = store.range(Keys.get(key));
    return r.getKvsCount() == 0 ? null : r.getKvs(0);
  }

  long currentRevision() {
    return store.currentRevision();
  }
}
