package io.cairn.server.watch;

import io.cairn.proto.etcdserverpb.WatchGrpc;
import io.cairn.proto.etcdserverpb.WatchRequest;
import io.cairn.proto.etcdserverpb.WatchResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/** etcd's Watch service: each call is a stream registered with the hub. */
public final class WatchService extends WatchGrpc.WatchImplBase {
  private final WatchHub hub;

  public WatchService(WatchHub hub) {
    this.hub = hub;
  }

  @Override
  public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
    ServerCallStreamObserver<WatchResponse> out = (ServerCallStreamObserver<WatchResponse>) responses;
    WatchStream stream = hub.open(out);
    out.setOnCancelHandler(() -> hub.close(stream));
    out.setOnReadyHandler(hub::wake);
    return new StreamObserver<>() {
      @Override
      public void onNext(WatchRequest req) {
        hub.handle(stream, req);
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
