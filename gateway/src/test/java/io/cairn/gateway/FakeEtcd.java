package io.cairn.gateway;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.cairn.proto.etcdserverpb.AuthGrpc;
import io.cairn.proto.etcdserverpb.ClusterGrpc;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.LeaseGrpc;
import io.cairn.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.cairn.proto.etcdserverpb.LeaseKeepAliveResponse;
import io.cairn.proto.etcdserverpb.MaintenanceGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.PutResponse;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.ResponseHeader;
import io.cairn.proto.etcdserverpb.SnapshotResponse;
import io.cairn.proto.etcdserverpb.StatusResponse;
import io.cairn.proto.etcdserverpb.WatchGrpc;
import io.cairn.proto.etcdserverpb.WatchRequest;
import io.cairn.proto.etcdserverpb.WatchResponse;
import io.cairn.proto.mvccpb.Event;
import io.cairn.proto.mvccpb.KeyValue;
import io.cairn.proto.v3electionpb.ElectionGrpc;
import io.cairn.proto.v3electionpb.LeaderRequest;
import io.cairn.proto.v3electionpb.LeaderResponse;
import io.cairn.proto.v3lockpb.LockGrpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Fake etcd services for gateway tests: every method of every service answers, recording which
 * method was called, with what request and metadata. A few methods behave like etcd.
 */
final class FakeEtcd {
  static final long CLUSTER_ID = Long.parseUnsignedLong("12585971608760269493");
  static final ResponseHeader HEADER =
      ResponseHeader.newBuilder().setClusterId(CLUSTER_ID).setMemberId(42).setRevision(2).setRaftTerm(3).build();

  final List<String> calls = new CopyOnWriteArrayList<>();
  final List<Message> requests = new CopyOnWriteArrayList<>();
  final AtomicReference<Metadata> lastHeaders = new AtomicReference<>();

  List<ServerServiceDefinition> services() {
    ServerInterceptor capture =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            lastHeaders.set(headers);
            calls.add(call.getMethodDescriptor().getFullMethodName());
            return next.startCall(call, headers);
          }
        };
    return List.of(
            KVGrpc.getServiceDescriptor(),
            WatchGrpc.getServiceDescriptor(),
            LeaseGrpc.getServiceDescriptor(),
            ClusterGrpc.getServiceDescriptor(),
            MaintenanceGrpc.getServiceDescriptor(),
            AuthGrpc.getServiceDescriptor(),
            LockGrpc.getServiceDescriptor(),
            ElectionGrpc.getServiceDescriptor())
        .stream()
        .map(d -> ServerInterceptors.intercept(service(d), capture))
        .toList();
  }

  Message lastRequest() {
    return requests.get(requests.size() - 1);
  }

  @SuppressWarnings("unchecked")
  private ServerServiceDefinition service(ServiceDescriptor sd) {
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(sd);
    for (MethodDescriptor<?, ?> m0 : sd.getMethods()) {
      MethodDescriptor<Message, Message> m = (MethodDescriptor<Message, Message>) m0;
      switch (m.getType()) {
        case UNARY -> b.addMethod(m, ServerCalls.asyncUnaryCall((req, out) -> unary(m, req, out)));
        case SERVER_STREAMING ->
            b.addMethod(m, ServerCalls.asyncServerStreamingCall((req, out) -> serverStream(m, req, out)));
        default -> b.addMethod(m, ServerCalls.asyncBidiStreamingCall(out -> bidi(m, out)));
      }
    }
    return b.build();
  }

  private void unary(MethodDescriptor<Message, Message> m, Message req, StreamObserver<Message> out) {
    requests.add(req);
    String name = m.getBareMethodName();
    if (req instanceof PutRequest put) {
      // a key "fail:<code>" makes the call fail with that gRPC code
      String key = put.getKey().toString(StandardCharsets.UTF_8);
      if (key.startsWith("fail:")) {
        int code = Integer.parseInt(key.substring(5));
        out.onError(Status.fromCodeValue(code).withDescription("etcdserver: test \"" + code + "\"").asRuntimeException());
        return;
      }
      out.onNext(PutResponse.newBuilder().setHeader(HEADER).build());
      out.onCompleted();
      return;
    }
    if (req instanceof RangeRequest range) {
      if (range.getKey().isEmpty()) {
        out.onError(Status.INVALID_ARGUMENT.withDescription("etcdserver: key is not provided").asRuntimeException());
        return;
      }
      out.onNext(
          RangeResponse.newBuilder()
              .setHeader(HEADER)
              .addKvs(kv(range.getKey(), "bar"))
              .setCount(1)
              .build());
      out.onCompleted();
      return;
    }
    if (name.equals("Status")) {
      out.onNext(
          StatusResponse.newBuilder()
              .setHeader(HEADER)
              .setVersion("3.6.0")
              .setDbSize(20480)
              .setLeader(42)
              .setRaftIndex(7)
              .setRaftTerm(3)
              .setRaftAppliedIndex(7)
              .setDbSizeInUse(16384)
              .build());
      out.onCompleted();
      return;
    }
    out.onNext(prototype(m.getResponseMarshaller()));
    out.onCompleted();
  }

  private void serverStream(MethodDescriptor<Message, Message> m, Message req, StreamObserver<Message> out) {
    requests.add(req);
    if (req instanceof LeaderRequest lr) {
      String name = lr.getName().toString(StandardCharsets.UTF_8);
      if (name.equals("fail-first")) {
        out.onError(Status.UNAVAILABLE.withDescription("election: no leader").asRuntimeException());
        return;
      }
      for (int i = 1; i <= 2; i++) {
        out.onNext(LeaderResponse.newBuilder().setHeader(HEADER).setKv(kv(lr.getName(), "leader" + i)).build());
      }
      if (name.equals("fail-later")) {
        out.onError(Status.UNAVAILABLE.withDescription("etcdserver: no leader").asRuntimeException());
      } else {
        out.onCompleted();
      }
      return;
    }
    // Snapshot: three blobs counting down the remaining bytes
    for (int i = 2; i >= 0; i--) {
      out.onNext(
          SnapshotResponse.newBuilder()
              .setHeader(HEADER)
              .setRemainingBytes(i * 3L)
              .setBlob(ByteString.copyFromUtf8("abc"))
              .build());
    }
    out.onCompleted();
  }

  private StreamObserver<Message> bidi(MethodDescriptor<Message, Message> m, StreamObserver<Message> out) {
    return new StreamObserver<>() {
      long nextWatchId;

      @Override
      public void onNext(Message req) {
        requests.add(req);
        if (req instanceof WatchRequest w) {
          if (w.hasCreateRequest()) {
            long id = nextWatchId++;
            out.onNext(WatchResponse.newBuilder().setHeader(HEADER).setWatchId(id).setCreated(true).build());
            out.onNext(
                WatchResponse.newBuilder()
                    .setHeader(HEADER)
                    .setWatchId(id)
                    .addEvents(Event.newBuilder().setKv(kv(w.getCreateRequest().getKey(), "bar")))
                    .addEvents(
                        Event.newBuilder()
                            .setType(Event.EventType.DELETE)
                            .setKv(KeyValue.newBuilder().setKey(w.getCreateRequest().getKey()).setModRevision(3)))
                    .build());
          } else if (w.hasCancelRequest()) {
            out.onNext(
                WatchResponse.newBuilder()
                    .setHeader(HEADER)
                    .setWatchId(w.getCancelRequest().getWatchId())
                    .setCanceled(true)
                    .build());
          }
        } else if (req instanceof LeaseKeepAliveRequest ka) {
          if (ka.getID() < 0) {
            out.onError(Status.NOT_FOUND.withDescription("etcdserver: requested lease not found").asRuntimeException());
            return;
          }
          out.onNext(LeaseKeepAliveResponse.newBuilder().setHeader(HEADER).setID(ka.getID()).setTTL(10).build());
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        // etcd keeps a watch stream open after the client half-closes; ending it keeps tests finite
        out.onCompleted();
      }
    };
  }

  static KeyValue kv(ByteString key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(ByteString.copyFromUtf8(value))
        .setCreateRevision(2)
        .setModRevision(2)
        .setVersion(1)
        .build();
  }

  private static Message prototype(MethodDescriptor.Marshaller<Message> marshaller) {
    return (Message) ((MethodDescriptor.PrototypeMarshaller<?>) marshaller).getMessagePrototype();
  }
}
