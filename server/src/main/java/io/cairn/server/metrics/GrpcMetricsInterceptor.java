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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * grpc_server_started_total / grpc_server_handled_total with go-grpc-prometheus' labels, as etcd exports. The
 * counters of a method are looked up once and kept: registering a meter per call costs more than the call.
 */
public final class GrpcMetricsInterceptor implements ServerInterceptor {
  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, MethodCounters> counters = new ConcurrentHashMap<>();

  private final Counter sentBytes;
  private final Counter receivedBytes;
  private final Runnable rangeServed;
  private final ReadDurations reads;

  /** --metrics extensive: each call is timed too. */
  private final boolean handlingHistogram;

  public GrpcMetricsInterceptor(MeterRegistry registry) {
    this(registry, () -> { }, false);
  }

  /**
   * @param rangeServed told of each Range answered OK (etcd's mvcc counts the read)
   * @param handlingHistogram whether to time each call too (etcd's --metrics extensive)
   */
  public GrpcMetricsInterceptor(MeterRegistry registry, Runnable rangeServed, boolean handlingHistogram) {
    this.registry = registry;
    this.handlingHistogram = handlingHistogram;
    this.rangeServed = rangeServed;
    this.reads = new ReadDurations(registry);
    sentBytes = Counter.builder("etcd_network_client_grpc_sent_bytes")
        .description("The total number of bytes sent to grpc clients.").register(registry);
    receivedBytes = Counter.builder("etcd_network_client_grpc_received_bytes")
        .description("The total number of bytes received from grpc clients.").register(registry);
  }

  /** etcd counts the messages' encoded sizes, as here. */
  private static int size(Object message) {
    return message instanceof com.google.protobuf.MessageLite m ? m.getSerializedSize() : 0;
  }

  /** One method's started counter and its handled counters by status code, created on first use. */
  private final class MethodCounters {
    final String type;
    final String service;
    final String method;
    final Counter started;
    final boolean range;
    final boolean txn;
    final io.micrometer.core.instrument.Timer handling;
    final AtomicReferenceArray<Counter> handled = new AtomicReferenceArray<>(Status.Code.values().length);

    MethodCounters(MethodDescriptor<?, ?> m) {
      type = switch (m.getType()) {
        case UNARY -> "unary";
        case CLIENT_STREAMING -> "client_stream";
        case SERVER_STREAMING -> "server_stream";
        default -> "bidi_stream";
      };
      service = m.getServiceName();
      method = m.getBareMethodName();
      range = "etcdserverpb.KV".equals(service) && "Range".equals(method);
      txn = "etcdserverpb.KV".equals(service) && "Txn".equals(method);
      // go-grpc-prometheus' default buckets (Prometheus' DefBuckets)
      handling = !handlingHistogram ? null : io.micrometer.core.instrument.Timer.builder("grpc_server_handling")
          .tag("grpc_type", type).tag("grpc_service", service).tag("grpc_method", method)
          .description("Histogram of response latency (seconds) of gRPC that had been application-level handled by "
              + "the server.")
          .serviceLevelObjectives(java.util.stream.DoubleStream.of(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10)
              .mapToObj(s -> java.time.Duration.ofNanos((long) (s * 1e9))).toArray(java.time.Duration[]::new))
          .register(registry);
      started = Counter.builder("grpc_server_started").tag("grpc_type", type).tag("grpc_service", service)
          .tag("grpc_method", method).description("Total number of RPCs started on the server.").register(registry);
    }

    Counter handled(Status.Code code) {
      Counter c = handled.get(code.ordinal());
      if (c == null) {
        c = Counter.builder("grpc_server_handled").tag("grpc_type", type).tag("grpc_service", service)
            .tag("grpc_method", method).tag("grpc_code", codeName(code))
            .description("Total number of RPCs completed on the server, regardless of success or failure.")
            .register(registry); // the registry returns the same meter to racing callers
        handled.set(code.ordinal(), c);
      }
      return c;
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    MethodDescriptor<Q, R> m = call.getMethodDescriptor();
    MethodCounters mc = counters.computeIfAbsent(m.getFullMethodName(), k -> new MethodCounters(m));
    mc.started.increment();
    long startedAt = System.nanoTime();
    // counted once: at close, or as Canceled when the client goes away first (go-grpc-prometheus does so)
    java.util.concurrent.atomic.AtomicBoolean handled = new java.util.concurrent.atomic.AtomicBoolean();
    // the read kind (Range, ReadonlyTxn) once the request arrived: such calls are timed for etcd 3.7's metric
    // (only KV Range and Txn calls carry one: other calls allocate nothing for it)
    java.util.concurrent.atomic.AtomicReference<String> readKind = mc.range || mc.txn
        ? new java.util.concurrent.atomic.AtomicReference<>() : null;
    ServerCall.Listener<Q> listener = next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void sendMessage(R message) {
        sentBytes.increment(size(message));
        super.sendMessage(message);
      }

      @Override
      public void close(Status status, Metadata trailers) {
        if (handled.compareAndSet(false, true)) {
          mc.handled(status.getCode()).increment();
          if (mc.handling != null) {
            mc.handling.record(System.nanoTime() - startedAt, java.util.concurrent.TimeUnit.NANOSECONDS);
          }
          if (mc.range && status.isOk()) {
            rangeServed.run();
          }
          String kind = readKind == null ? null : readKind.get();
          if (kind != null) {
            reads.record(kind, status.isOk(), System.nanoTime() - startedAt);
          }
        }
        super.close(status, trailers);
      }
    }, headers);
    return new io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onMessage(Q message) {
        receivedBytes.increment(size(message));
        if (readKind != null) {
          readKind.set(ReadDurations.kindOf(mc.range, mc.txn, message));
        }
        super.onMessage(message);
      }

      @Override
      public void onCancel() {
        if (handled.compareAndSet(false, true)) {
          mc.handled(Status.Code.CANCELLED).increment();
        }
        super.onCancel();
      }
    };
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
