package io.cairn.server.api;

import com.google.protobuf.Message;
import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.proto.etcdserverpb.CompactionResponse;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.DeleteRangeResponse;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.PutResponse;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.RangeStreamResponse;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.TxnResponse;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.server.apply.Proposer;
import io.cairn.server.auth.AuthInfo;
import io.cairn.server.auth.AuthStore;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.RequestValidation;
import io.grpc.stub.StreamObserver;
import java.util.function.Function;

/** etcd's KV service: validates as etcd's API layer does, reads from the store, writes through the proposer. */
public final class KvService extends KVGrpc.KVImplBase {
  private final MvccStore store;
  private final Proposer proposer;
  private final Headers headers;
  private final int maxTxnOps;
  private final int maxRequestBytes;
  private final io.cairn.server.apply.Admission admission;
  private final AuthStore auth;
  private final java.util.concurrent.Executor reads;
  private final RangeStreamer streamer;

  /**
   * @param admission the quota check etcd makes on Put and Txn before proposing
   * @param auth the permission checks etcd makes before proposing or reading
   * @param reads where serializable ranges and read-only txns read the store (may refuse with
   *     RejectedExecutionException)
   */
  public KvService(MvccStore store, Proposer proposer, Headers headers, int maxTxnOps, int maxRequestBytes,
      io.cairn.server.apply.Admission admission, AuthStore auth, java.util.concurrent.Executor reads) {
    this.reads = reads;
    this.admission = admission;
    this.auth = auth;
    this.store = store;
    this.proposer = proposer;
    this.headers = headers;
    this.maxTxnOps = maxTxnOps;
    this.maxRequestBytes = maxRequestBytes;
    this.streamer = new RangeStreamer(store, proposer::readBarrier, headers, auth, reads, maxRequestBytes);
  }

  @Override
  public void range(RangeRequest req, StreamObserver<RangeResponse> out) {
    AuthInfo ai;
    try {
      RequestValidation.validateRange(req);
      ai = auth.caller();
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
      return;
    }
    afterBarrier(req.getSerializable(), out, () -> serveRange(req, ai, out));
  }

  /** etcd 3.7: the same result as {@link #range}, in chunks read on the reader pool as the client takes them. */
  @Override
  public void rangeStream(RangeRequest req, StreamObserver<RangeStreamResponse> out) {
    streamer.serve(req, out);
  }

  /**
   * Runs {@code read} on a reader thread: at once for a serializable read, else once the read barrier passed (the
   * barrier completes on a reader). Never on the transport's event loop, where a large range would hold up every
   * connection on it.
   */
  private void afterBarrier(boolean serializable, StreamObserver<?> out, Runnable read) {
    if (serializable) {
      onReadPool(out, read);
      return;
    }
    proposer.readBarrier().whenComplete((ok, err) -> {
      if (err != null) {
        out.onError(EtcdErrors.toStatus(err));
      } else {
        read.run();
      }
    });
  }

  private void onReadPool(StreamObserver<?> out, Runnable read) {
    try {
      reads.execute(read);
    } catch (java.util.concurrent.RejectedExecutionException full) {
      out.onError(EtcdErrors.toStatus(full));
    }
  }

  /** etcd's doSerialize: check, read, then refuse the answer if the auth state changed meanwhile. */
  private void serveRange(RangeRequest req, AuthInfo ai, StreamObserver<RangeResponse> out) {
    try {
      auth.checkRange(ai, req.getKey(), req.getRangeEnd());
      RangeResponse r = store.range(req);
      auth.checkUnchanged(ai);
      reply(out, r.toBuilder().setHeader(headers.at(r.getHeader().getRevision())).build());
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
    }
  }

  @Override
  public void put(PutRequest req, StreamObserver<PutResponse> out) {
    try {
      RequestValidation.validatePut(req);
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
      return;
    }
    admitted(req, InternalRequest.newBuilder().setPut(req).build(), out,
        (PutResponse r) -> r.toBuilder().setHeader(headers.at(r.getHeader().getRevision())).build());
  }

  @Override
  public void deleteRange(DeleteRangeRequest req, StreamObserver<DeleteRangeResponse> out) {
    try {
      RequestValidation.validateDeleteRange(req);
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
      return;
    }
    write(InternalRequest.newBuilder().setDeleteRange(req).build(), out,
        (DeleteRangeResponse r) -> r.toBuilder().setHeader(headers.at(r.getHeader().getRevision())).build());
  }

  @Override
  public void txn(TxnRequest req, StreamObserver<TxnResponse> out) {
    try {
      RequestValidation.validateTxn(req, maxTxnOps);
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
      return;
    }
    if (MvccStore.isReadOnlyTxn(req)) {
      // etcd serves a txn of only ranges like a range: after the read barrier unless every range is serializable
      withCaller(out, ai -> afterBarrier(allSerializable(req), out, () -> serveReadOnlyTxn(req, ai, out)));
      return;
    }
    admitted(req, InternalRequest.newBuilder().setTxn(req).build(), out,
        (TxnResponse r) -> r.toBuilder().setHeader(headers.at(r.getHeader().getRevision())).build());
  }

  /** etcd {@code isTxnSerializable}; a txn with no ops at all counts as serializable, as in etcd. */
  private static boolean allSerializable(TxnRequest req) {
    for (RequestOp op : req.getSuccessList()) if (!op.getRequestRange().getSerializable()) return false;
    for (RequestOp op : req.getFailureList()) if (!op.getRequestRange().getSerializable()) return false;
    return true;
  }

  /** As {@link #serveRange}: check every range and compare, read, refuse if the auth state changed meanwhile. */
  private void serveReadOnlyTxn(TxnRequest req, AuthInfo ai, StreamObserver<TxnResponse> out) {
    try {
      auth.checkTxn(ai, req);
      TxnResponse r = store.readOnlyTxn(req);
      auth.checkUnchanged(ai);
      reply(out, r.toBuilder().setHeader(headers.at(r.getHeader().getRevision())).build());
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
    }
  }

  @Override
  public void compact(CompactionRequest req, StreamObserver<CompactionResponse> out) {
    write(InternalRequest.newBuilder().setCompaction(req).build(), out,
        (CompactionResponse r) -> r.toBuilder().setHeader(headers.at(r.getHeader().getRevision())).build());
  }

  /** etcd checks the quota before the request is sized and proposed. */
  private <R extends Message> void admitted(Message req, InternalRequest internal, StreamObserver<R> out,
      Function<R, R> finish) {
    withCaller(out, ai -> admission.admit(req).whenComplete((ok, err) -> {
      if (err != null) {
        out.onError(EtcdErrors.toStatus(err));
      } else {
        write(ai, internal, out, finish);
      }
    }));
  }

  private <R extends Message> void write(InternalRequest unsigned, StreamObserver<R> out, Function<R, R> finish) {
    withCaller(out, ai -> write(ai, unsigned, out, finish));
  }

  /**
   * Runs {@code then} with the caller, taken here on the call's thread (the gRPC context holding the token is not on
   * the threads that complete a read barrier or an admission); a refused caller gets etcd's error.
   */
  private void withCaller(StreamObserver<?> out, java.util.function.Consumer<AuthInfo> then) {
    AuthInfo ai;
    try {
      ai = auth.caller();
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
      return;
    }
    then.accept(ai);
  }

  @SuppressWarnings("unchecked")
  private <R extends Message> void write(AuthInfo ai, InternalRequest unsigned, StreamObserver<R> out,
      Function<R, R> finish) {
    InternalRequest req;
    try {
      if (unsigned.hasTxn()) {
        auth.checkTxn(ai, unsigned.getTxn()); // a read-only txn is refused before anything, as etcd serves it
      } else if (unsigned.hasCompaction()) {
        auth.checkAdmin(ai); // etcd: compaction is root's
      }
      // checked again when applied, against the auth state at that point of the log
      req = unsigned.toBuilder().setAuth(AuthStore.header(ai)).build();
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
      return;
    }
    // etcd measures the marshaled internal request against --max-request-bytes
    if (req.getSerializedSize() > maxRequestBytes) {
      out.onError(EtcdErrors.invalidArgument(EtcdErrors.REQUEST_TOO_LARGE));
      return;
    }
    proposer.propose(req).whenComplete((msg, err) -> {
      if (err != null) {
        out.onError(EtcdErrors.toStatus(err));
      } else {
        reply(out, finish.apply((R) msg));
      }
    });
  }

  private static <R> void reply(StreamObserver<R> out, R r) {
    out.onNext(r);
    out.onCompleted();
  }
}
