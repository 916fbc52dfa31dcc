package io.cairn.server.metrics;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** grpc_server_started_total / grpc_server_handled_total with go-grpc-prometheus' labels, as etcd exports. */
public final class GrpcMetricsInterceptor implements ServerInterceptor {
  private final MeterRegistry registry;

  public GrpcMetricsInterceptor(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    MethodDescriptor<Q, R> m = call.getMethodDescriptor();
    String type = switch (m.getType()) {
      case UNARY -> "unary";
      case CLIENT_STREAMING -> "client_stream";
      case SERVER_STREAMING -> "server_stream";
      default -> "bidi_stream";
    };
    String service = m.getServiceName();
    String method = m.getBareMethodName();
    Counter.builder("grpc_server_started").tag("grpc_type", type).tag("grpc_service", service)
        .tag("grpc_method", method).description("Total number of RPCs started on the server.")
        .register(registry).increment();
    return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        Counter.builder("grpc_server_handled").tag("grpc_type", type).tag("grpc_service", service)
            .tag("grpc_method", method).tag("grpc_code", codeName(status.getCode()))
            .description("Total number of RPCs completed on the server, regardless of success or failure.")
            .register(registry).increment();
        super.close(status, trailers);
      }
    }, headers);
  }

  /** go-grpc's code names (OK, Canceled, InvalidArgument, ...). */
  static String codeName(Status.Code c) {
    return switch (c) {
      case OK -> "OK";
      case CANCELLED -> "Canceled";
      case UNKNOWN -> "Unknown";
      case INVALID_ARGUMENT -> "InvalidArgument";
      case DEADLINE_EXCEEDED -> "DeadlineExceeded";
      case NOT_FOUND -> "NotFound";
      case ALREADY_EXISTS -> "AlreadyExists";
      case PERMISSION_DENIED -> "PermissionDenied";
      case RESOURCE_EXHAUSTED -> "ResourceExhausted";
      case FAILED_PRECONDITION -> "FailedPrecondition";
      case ABORTED -> "Aborted";
      case OUT_OF_RANGE -> "OutOfRange";
      case UNIMPLEMENTED -> "Unimplemented";
      case INTERNAL -> "Internal";
      case UNAVAILABLE -> "Unavailable";
      case DATA_LOSS -> "DataLoss";
      case UNAUTHENTICATED -> "Unauthenticated";
    };
  }
}
