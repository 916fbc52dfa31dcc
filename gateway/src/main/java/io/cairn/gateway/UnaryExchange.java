package io.cairn.gateway;

import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A route whose request is one message (unary, or server-streaming like snapshot and observe):
 * the body is collected up to the limit, decoded, then the call is made without blocking.
 */
final class UnaryExchange implements Exchange {
  private final Route route;
  private final Channel grpc;
  private final Responder responder;
  private final io.netty.channel.Channel http;
  private final BodyCollector body;
  private boolean refused;
  private ClientCall<Message, Message> call;
  private StreamSink sink;

  UnaryExchange(
      Route route,
      Channel grpc,
      Responder responder,
      io.netty.channel.Channel http,
      long maxBody,
      long contentLength) {
    this.route = route;
    this.grpc = grpc;
    this.responder = responder;
    this.http = http;
    this.body = new BodyCollector(maxBody, contentLength);
  }

  @Override
  public Responder responder() {
    return responder;
  }

  @Override
  public void onContent(ByteBuf content) {
    if (!refused && !body.add(content)) {
      // answer now and drop the connection rather than read (or buffer) the rest
      refused = true;
      responder.closeAfterResponse();
      responder.json(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, TooLarge.body());
    }
  }

  @Override
  public void onRequestEnd() {
    if (refused) {
      return;
    }
    Message request;
    try {
      request = JsonCodec.parse(body.bytes(), route.requestPrototype());
    } catch (JsonCodec.BadJsonException e) {
      responder.json(
          HttpResponseStatus.BAD_REQUEST,
          GrpcErrors.statusJson(Status.Code.INVALID_ARGUMENT, e.getMessage()));
      return;
    }
    if (route.serverStreaming()) {
      call = grpc.newCall(route.method(), CallOptions.DEFAULT);
      sink = new StreamSink(responder, http);
      ClientCalls.asyncServerStreamingCall(call, request, sink);
    } else {
      // the answer is delivered on this connection's event loop, where it is written: without this the
      // channel's default executor takes it first, a thread hand-off there and another one back per request
      call = grpc.newCall(route.method(), CallOptions.DEFAULT.withExecutor(http.eventLoop()));
      ClientCalls.asyncUnaryCall(call, request, new UnaryObserver());
    }
  }

  @Override
  public void onWritable() {
    if (sink != null) {
      sink.onWritable();
    }
  }

  @Override
  public void abort() {
    if (call != null) {
      call.cancel("HTTP client disconnected", null);
    }
  }

  /**
   * Holds the single response until the call closes OK, so a late error still wins. Its callbacks run
   * on the event loop (the call's executor), as a task of their own, so they write directly.
   */
  private final class UnaryObserver implements StreamObserver<Message> {
    private Message response;

    @Override
    public void onNext(Message value) {
      response = value;
    }

    @Override
    public void onError(Throwable t) {
      Status s = Status.fromThrowable(t);
      onEventLoop(
          () ->
              responder.json(
                  GrpcErrors.httpStatus(s.getCode()),
                  GrpcErrors.statusJson(s.getCode(), GrpcErrors.message(s))));
    }

    @Override
    public void onCompleted() {
      Message value = response;
      response = null;
      onEventLoop(
          () -> responder.json(HttpResponseStatus.OK, value != null ? JsonCodec.print(value) : "{}"));
    }

    private void onEventLoop(Runnable r) {
      if (http.eventLoop().inEventLoop()) {
        r.run();
      } else {
        http.eventLoop().execute(r);
      }
    }
  }
}
