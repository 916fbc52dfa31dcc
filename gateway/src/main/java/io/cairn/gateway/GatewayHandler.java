package io.cairn.gateway;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one HTTP/1.1 connection: hands each request and its body pieces to an {@link Exchange},
 * and holds back pipelined requests (and stops reading) until the current response is written,
 * so responses leave in request order.
 */
final class GatewayHandler extends ChannelInboundHandlerAdapter {
  private static final long LINGER_MILLIS = 500;
  private static final Logger LOG = LoggerFactory.getLogger(GatewayHandler.class);

  private final RequestDispatcher dispatcher;
  private final ArrayDeque<HttpObject> backlog = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private Exchange current;
  private boolean requestEnded;
  private boolean responseEnded;
  private boolean closing;

  GatewayHandler(RequestDispatcher dispatcher) {
    this.dispatcher = dispatcher;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (closing || !(msg instanceof HttpObject obj)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (busy()) {
      backlog.add(obj);
      ctx.channel().config().setAutoRead(false);
      return;
    }
    handle(obj);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    if (ctx.channel().isWritable() && current != null) {
      current.onWritable();
    }
    super.channelWritabilityChanged(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (current != null) {
      current.abort();
      current = null;
    }
    HttpObject o;
    while ((o = backlog.poll()) != null) {
      ReferenceCountUtil.release(o);
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("closing HTTP connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }

  /** Called (on the event loop, after the final write) when a response is complete. */
  void responseDone(Responder responder) {
    if (current == null || current.responder() != responder) {
      return;
    }
    responseEnded = true;
    advance();
  }

  /**
   * Ends the connection after a final response without losing it: closing a socket that still
   * has unread request bytes makes the kernel send RST, which can destroy the response in flight
   * (e.g. a 413 for a body the client is still sending). So, like Go's net/http, half-close,
   * drain the input for a moment, then close.
   */
  void closeGracefully() {
    if (closing) {
      return;
    }
    closing = true;
    HttpObject o;
    while ((o = backlog.poll()) != null) {
      ReferenceCountUtil.release(o);
    }
    ctx.channel().config().setAutoRead(true);
    if (ctx.channel() instanceof DuplexChannel duplex && duplex.isActive()) {
      duplex
          .shutdownOutput()
          .addListener(f -> ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS));
    } else {
      ctx.close();
    }
  }

  /** Request fully read and response not yet written: later messages must wait. */
  private boolean busy() {
    return current != null && requestEnded;
  }

  private void handle(HttpObject msg) {
    try {
      if (msg instanceof HttpRequest req) {
        if (current != null && !requestEnded) {
          // cannot happen with HttpServerCodec; be safe rather than mix two bodies
          ctx.close();
          return;
        }
        current = null;
        requestEnded = false;
        responseEnded = false;
        current = dispatcher.dispatch(ctx, req, this);
      }
      if (msg instanceof HttpContent content && current != null && !requestEnded) {
        Exchange ex = current;
        if (content.decoderResult().isFailure()) {
          badFraming(ex);
          return;
        }
        if (content.content().isReadable()) {
          ex.onContent(content.content());
        }
        if (content instanceof LastHttpContent && ex == current) {
          requestEnded = true;
          ex.onRequestEnd();
          advance();
        }
      }
    } catch (RuntimeException e) {
      // a bug must not leave the connection hanging, nor surface a stack trace to the client
      LOG.warn("HTTP gateway failure on {}", ctx.channel().remoteAddress(), e);
      ctx.close();
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  /**
   * A broken body encoding (e.g. a bad chunk size): the codec discards everything after it, so
   * the connection is finished. Answer 400 if nothing was sent yet, and close.
   */
  private void badFraming(Exchange ex) {
    requestEnded = true;
    ex.abort();
    Responder r = ex.responder();
    if (r.done()) {
      // already answered: close once that answer is out (an empty write completes after it)
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> closeGracefully());
      return;
    }
    if (r.headersSent()) {
      ctx.close();
    } else {
      r.closeAfterResponse();
      r.text(HttpResponseStatus.BAD_REQUEST, "400 Bad Request: malformed body encoding\n");
    }
  }

  /** After a finished exchange, replays held-back pipelined messages. */
  private void advance() {
    if (current != null && requestEnded && responseEnded) {
      current = null;
    }
    while (!closing && !busy() && !backlog.isEmpty() && ctx.channel().isActive()) {
      handle(backlog.poll());
    }
    if (!closing && !busy() && backlog.isEmpty()) {
      ctx.channel().config().setAutoRead(true);
    }
  }
}
