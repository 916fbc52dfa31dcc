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
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.TxnResponse;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.server.apply.Proposer;
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

  /** {@code admission} is the quota check etcd makes on Put and Txn before proposing. */
  public KvService(MvccStore store, Proposer proposer, Headers headers, int maxTxnOps, int maxRequestBytes,
      io.cairn.server.apply.Admission admission) {
    this.admission = admission;
    this.store = store;
    this.proposer = proposer;
    this.headers = headers;
    this.maxTxnOps = maxTxnOps;
    this.maxRequestBytes = maxRequestBytes;
  }

  @Override
  public void range(RangeRequest req, StreamObserver<RangeResponse> out) {
    try {
      RequestValidation.validateRange(req);
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
      return;
    }
    if (req.getSerializable()) {
      serveRange(req, out);
    } else {
      proposer.readBarrier().whenComplete((ok, err) -> {
        if (err != null) {
          out.onError(EtcdErrors.toStatus(err));
        } else {
          serveRange(req, out);
        }
      });
    }
  }

  private void serveRange(RangeRequest req, StreamObserver<RangeResponse> out) {
    try {
      RangeResponse r = store.range(req);
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
      if (allSerializable(req)) {
        serveReadOnlyTxn(req, out);
      } else {
        proposer.readBarrier().whenComplete((ok, err) -> {
          if (err != null) {
            out.onError(EtcdErrors.toStatus(err));
          } else {
            serveReadOnlyTxn(req, out);
          }
        });
      }
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

  private void serveReadOnlyTxn(TxnRequest req, StreamObserver<TxnResponse> out) {
    try {
      TxnResponse r = store.readOnlyTxn(req);
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
    admission.admit(req).whenComplete((ok, err) -> {
      if (err != null) {
        out.onError(EtcdErrors.toStatus(err));
      } else {
        write(internal, out, finish);
      }
    });
  }

  @SuppressWarnings("unchecked")
  private <R extends Message> void write(InternalRequest req, StreamObserver<R> out, Function<R, R> finish) {
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
