package io.cairn.server.api;

import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.StatusRequest;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.function.BooleanSupplier;

/**
 * etcd's rule for learners: a learner answers only Status and serializable Range; every other call,
 * streams included, fails with FailedPrecondition "etcdserver: rpc not supported for learner".
 */
public final class LearnerInterceptor implements ServerInterceptor {
  static final String NOT_SUPPORTED = EtcdErrors.LEARNER_NOT_SUPPORTED;

  private final BooleanSupplier isLearner;

  public LearnerInterceptor(BooleanSupplier isLearner) {
    this.isLearner = isLearner;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (!isLearner.getAsBoolean() || call.getMethodDescriptor().getServiceName().startsWith("grpc.")) {
      return next.startCall(call, headers);
    }
    if (call.getMethodDescriptor().getType() != MethodDescriptor.MethodType.UNARY) {
      call.close(Status.FAILED_PRECONDITION.withDescription(NOT_SUPPORTED), new Metadata());
      return new ServerCall.Listener<>() { };
    }
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      private boolean refused;

      @Override
      public void onMessage(Q message) {
        boolean allowed = message instanceof StatusRequest
            || message instanceof RangeRequest r && r.getSerializable();
        if (!allowed) {
          refused = true;
          call.close(Status.FAILED_PRECONDITION.withDescription(NOT_SUPPORTED), new Metadata());
          return;
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }
    };
  }
}
