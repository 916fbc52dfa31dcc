package io.cairn.gateway;

import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Watch and LeaseKeepAlive: the call starts with the request headers, every JSON object of the
 * body is sent as soon as it is complete, and the body's end half-closes the call.
 */
final class BidiExchange implements Exchange {
  private final Route route;
  private final Responder responder;
  private final StreamSink sink;
  private final JsonObjectSplitter splitter;
  private final StreamObserver<Message> requests;
  private boolean requestsClosed;

  BidiExchange(
      Route route, Channel grpc, Responder responder, io.netty.channel.Channel http, long maxObject) {
    this.route = route;
    this.responder = responder;
    this.sink = new StreamSink(responder, http);
    this.splitter = new JsonObjectSplitter(maxObject);
    this.requests =
        ClientCalls.asyncBidiStreamingCall(grpc.newCall(route.method(), CallOptions.DEFAULT), sink);
  }

  @Override
  public Responder responder() {
    return responder;
  }

  @Override
  public void onContent(ByteBuf content) {
    if (requestsClosed) {
      return;
    }
    try {
      for (byte[] json : splitter.feed(content)) {
        Message msg = JsonCodec.parse(json, route.requestPrototype());
        if (sink.finished()) {
          // the server already ended the stream: nothing more to send to
          requestsClosed = true;
          return;
        }
        requests.onNext(msg);
      }
    } catch (JsonCodec.BadJsonException e) {
      failRequest(Status.Code.INVALID_ARGUMENT, e.getMessage(), null);
    } catch (JsonObjectSplitter.TooLargeException e) {
      responder.closeAfterResponse();
      failRequest(
          Status.Code.RESOURCE_EXHAUSTED,
          TooLarge.message(),
          HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
    }
  }

  @Override
  public void onRequestEnd() {
    if (requestsClosed) {
      return;
    }
    try {
      splitter.finish();
    } catch (JsonCodec.BadJsonException e) {
      failRequest(Status.Code.INVALID_ARGUMENT, e.getMessage(), null);
      return;
    }
    requestsClosed = true;
    if (!sink.finished()) {
      requests.onCompleted();
    }
  }

  @Override
  public void onWritable() {
    sink.onWritable();
  }

  @Override
  public void abort() {
    requestsClosed = true;
    sink.cancel("HTTP client disconnected");
  }

  /** A bad request object ends the whole exchange: report it, then cancel the call. */
  private void failRequest(Status.Code code, String message, HttpResponseStatus httpStatus) {
    requestsClosed = true;
    sink.fail(code, message, httpStatus);
    sink.cancel("invalid request stream: " + message);
  }
}
