package io.cairn.gateway;

import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;

/**
 * Watch and LeaseKeepAlive: the call starts with the request headers, every JSON object of the
 * body is sent as soon as it is complete, and the body's end half-closes the call.
 *
 * <p>A request object that cannot be decoded ends the request side as grpc-gateway's send loop
 * does (etcd 3.4 and 3.6 alike): the call is half-closed and the response stream goes on, so the
 * watches already created keep delivering. Only when not a single object could be sent yet is the
 * exchange answered with the error (400), since there is then nothing to stream.
 */
final class BidiExchange implements Exchange {
  private final Route route;
  private final Responder responder;
  private final StreamSink sink;
  private final JsonObjectSplitter splitter;
  private final StreamObserver<Message> requests;
  private boolean requestsClosed;
  private long sent;

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
      // the objects before a syntax error are still sent, as grpc-gateway's decoder loop does
      send(splitter.feed(content));
      if (!requestsClosed && splitter.failure() != null) {
        badRequestObject(splitter.failure());
      }
    } catch (JsonCodec.BadJsonException e) {
      badRequestObject(e.getMessage());
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
      send(splitter.finish());
    } catch (JsonCodec.BadJsonException e) {
      badRequestObject(e.getMessage());
      return;
    }
    if (requestsClosed) {
      return;
    }
    requestsClosed = true;
    if (!sink.finished()) {
      requests.onCompleted();
    }
  }

  private void send(List<byte[]> values) throws JsonCodec.BadJsonException {
    for (byte[] json : values) {
      Message msg = JsonCodec.parse(json, route.requestPrototype());
      if (sink.finished()) {
        // the server already ended the stream: nothing more to send to
        requestsClosed = true;
        return;
      }
      requests.onNext(msg);
      sent++;
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

  private void badRequestObject(String message) {
    if (sent == 0) {
      failRequest(Status.Code.INVALID_ARGUMENT, message, null);
      return;
    }
    // grpc-gateway's send loop stops at the first undecodable object and only half-closes
    requestsClosed = true;
    if (!sink.finished()) {
      requests.onCompleted();
    }
  }

  /** A refused request stream ends the whole exchange: report it, then cancel the call. */
  private void failRequest(Status.Code code, String message, HttpResponseStatus httpStatus) {
    requestsClosed = true;
    sink.fail(code, message, httpStatus);
    sink.cancel("invalid request stream: " + message);
  }
}
