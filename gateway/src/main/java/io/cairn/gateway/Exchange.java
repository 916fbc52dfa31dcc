package io.cairn.gateway;

import io.netty.buffer.ByteBuf;

/** One HTTP request/response in progress; every method is called on the channel's event loop. */
interface Exchange {

  Responder responder();

  /** A piece of the request body; the buffer is only valid during the call. */
  void onContent(ByteBuf content);

  /** The request body has ended. */
  void onRequestEnd();

  /** The channel can take more output again (response-side backpressure). */
  default void onWritable() {}

  /** The connection closed before the exchange finished: cancel whatever is in flight. */
  void abort();

  /** An exchange whose response is already decided: the rest of the body is read and dropped. */
  static Exchange discarding(Responder responder) {
    return new Exchange() {
      @Override
      public Responder responder() {
        return responder;
      }

      @Override
      public void onContent(ByteBuf content) {}

      @Override
      public void onRequestEnd() {}

      @Override
      public void abort() {}
    };
  }
}
