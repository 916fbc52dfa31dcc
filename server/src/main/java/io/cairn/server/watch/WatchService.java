package io.cairn.server.watch;

import io.cairn.proto.etcdserverpb.WatchCreateRequest;
import io.cairn.proto.etcdserverpb.WatchGrpc;
import io.cairn.proto.etcdserverpb.WatchRequest;
import io.cairn.proto.etcdserverpb.WatchResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.function.Function;

/** etcd's Watch service: each call is a stream registered with the hub. */
public final class WatchService extends WatchGrpc.WatchImplBase {
  private final WatchHub hub;
  private final Function<WatchCreateRequest, String> gate;

  public WatchService(WatchHub hub) {
    this(hub, req -> null);
  }

  /**
   * {@code gate} answers a create with the reason to refuse it (null: allowed); it runs on the call's thread, where
   * the caller's credentials are, and the refusal is answered in order with the stream's other responses.
   */
  public WatchService(WatchHub hub, Function<WatchCreateRequest, String> gate) {
    this.hub = hub;
    this.gate = gate;
  }

  @Override
  public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
    ServerCallStreamObserver<WatchResponse> out = (ServerCallStreamObserver<WatchResponse>) responses;
    WatchStream stream = hub.open(out, io.cairn.server.api.HasLeaderInterceptor.leaderRequired());
    out.setOnCancelHandler(() -> hub.close(stream));
    out.setOnReadyHandler(hub::wake);
    return new StreamObserver<>() {
      @Override
      public void onNext(WatchRequest req) {
        String refused = req.hasCreateRequest() ? gate.apply(req.getCreateRequest()) : null;
        hub.handle(stream, req, refused);
      }

      @Override
      public void onError(Throwable t) {
        hub.close(stream);
      }

      @Override
      public void onCompleted() {
        // etcd keeps watching after the client half-closes (curl's finite body relies on it);
        // the stream ends when the client cancels the call.
      }
    };
  }
}
