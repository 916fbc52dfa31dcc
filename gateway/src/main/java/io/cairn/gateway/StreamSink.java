package io.cairn.gateway;

import com.google.protobuf.Message;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Writes a server stream as grpc-gateway does: HTTP 200, chunked, one {@code {"result":{...}}\n}
 * per message, flushed; a failure is one {@code {"error":{...}}\n} chunk, or, if nothing was sent
 * yet, the whole response with the HTTP status of the gRPC code. It asks gRPC for the next message
 * only while the socket is writable, so a slow HTTP reader (e.g. a snapshot) is not buffered.
 */
final class StreamSink implements ClientResponseObserver<Message, Message> {
  private final Responder responder;
  private final Channel channel;
  private ClientCallStreamObserver<Message> call;
  private boolean awaitingWritable;

  StreamSink(Responder responder, Channel channel) {
    this.responder = responder;
    this.channel = channel;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<Message> requestStream) {
    this.call = requestStream;
    requestStream.disableAutoRequestWithInitial(1);
  }

  @Override
  public void onNext(Message value) {
    // encode on the gRPC thread; only the write runs on the event loop
    String line = "{\"result\":" + JsonCodec.print(value) + "}\n";
    channel.eventLoop().execute(() -> write(line));
  }

  @Override
  public void onError(Throwable t) {
    Status status = Status.fromThrowable(t);
    channel.eventLoop().execute(() -> fail(status.getCode(), GrpcErrors.message(status), null));
  }

  @Override
  public void onCompleted() {
    channel.eventLoop().execute(this::complete);
  }

  /** Event loop only. */
  boolean finished() {
    return responder.done();
  }

  /** Event loop only: ends the response with an error (httpStatus null: from the code). */
  void fail(Status.Code code, String message, HttpResponseStatus httpStatus) {
    if (responder.done()) {
      return;
    }
    String body = GrpcErrors.streamErrorJson(code, message) + "\n";
    if (responder.headersSent()) {
      responder.chunk(body);
      responder.endStream();
    } else {
      responder.json(httpStatus != null ? httpStatus : GrpcErrors.httpStatus(code), body);
    }
  }

  /** Event loop only. */
  void onWritable() {
    if (awaitingWritable && !responder.done()) {
      awaitingWritable = false;
      call.request(1);
    }
  }

  /** Cancels the gRPC call (client went away, or its request stream was bad). */
  void cancel(String reason) {
    if (call != null) {
      call.cancel(reason, null);
    }
  }

  private void write(String line) {
    if (responder.done()) {
      return;
    }
    if (!responder.headersSent()) {
      responder.startStream(HttpResponseStatus.OK);
    }
    responder.chunk(line);
    if (channel.isWritable()) {
      call.request(1);
    } else {
      awaitingWritable = true;
    }
  }

  private void complete() {
    if (responder.done()) {
      return;
    }
    if (!responder.headersSent()) {
      responder.startStream(HttpResponseStatus.OK);
    }
    responder.endStream();
  }
}
