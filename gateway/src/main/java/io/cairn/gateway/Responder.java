package io.cairn.gateway;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;

/**
 * Writes the single response of one HTTP request, either whole or as a chunked stream, adding
 * etcd's CORS and connection headers. Must be used on the channel's event loop.
 */
final class Responder {
  static final String JSON = "application/json";
  static final String TEXT = "text/plain; charset=utf-8";

  private final ChannelHandlerContext ctx;
  private final GatewayHandler owner;
  private final HttpVersion version;
  private final String corsOrigin;
  private boolean keepAlive;
  private boolean headersSent;
  private boolean done;

  Responder(
      ChannelHandlerContext ctx,
      GatewayHandler owner,
      HttpVersion version,
      boolean keepAlive,
      String corsOrigin) {
    this.ctx = ctx;
    this.owner = owner;
    this.version = version;
    this.keepAlive = keepAlive;
    this.corsOrigin = corsOrigin;
  }

  boolean headersSent() {
    return headersSent;
  }

  boolean done() {
    return done;
  }

  /** The connection cannot be reused after this response (unread or refused request body). */
  void closeAfterResponse() {
    keepAlive = false;
  }

  void json(HttpResponseStatus status, String body) {
    full(status, JSON, body);
  }

  void text(HttpResponseStatus status, String body) {
    full(status, TEXT, body);
  }

  void full(HttpResponseStatus status, String contentType, String body) {
    full(status, contentType, body, TEXT.equals(contentType), null);
  }

  /** A whole response; {@code nosniff} as Go's http.Error sets it, {@code allow} an Allow header. */
  void full(HttpResponseStatus status, String contentType, String body, boolean nosniff, String allow) {
    if (done || headersSent) {
      return;
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    FullHttpResponse resp =
        new DefaultFullHttpResponse(version, status, Unpooled.wrappedBuffer(bytes));
    if (contentType != null) {
      resp.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    }
    if (nosniff) {
      resp.headers().set("X-Content-Type-Options", "nosniff");
    }
    if (allow != null) {
      resp.headers().set(HttpHeaderNames.ALLOW, allow);
    }
    resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    decorate(resp.headers());
    headersSent = true;
    finish(ctx.writeAndFlush(resp));
  }

  /**
   * Go's http.Redirect with 301, as ServeMux answers a non-canonical path: Location, and for GET a
   * small HTML body (HEAD gets the content type but no body; other methods neither).
   */
  void redirect(String location, String method) {
    if (done || headersSent) {
      return;
    }
    boolean get = "GET".equals(method);
    String body =
        get
            ? "<a href=\"" + GoPaths.htmlEscape(location) + "\">Moved Permanently</a>.\n\n"
            : "";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    FullHttpResponse resp =
        new DefaultFullHttpResponse(
            version, HttpResponseStatus.MOVED_PERMANENTLY, Unpooled.wrappedBuffer(bytes));
    resp.headers().set(HttpHeaderNames.LOCATION, location);
    if (get || "HEAD".equals(method)) {
      resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
    }
    resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    decorate(resp.headers());
    headersSent = true;
    finish(ctx.writeAndFlush(resp));
  }

  /** Starts a chunked JSON stream (grpc-gateway's ForwardResponseStream). */
  void startStream(HttpResponseStatus status) {
    if (done || headersSent) {
      return;
    }
    HttpResponse resp = new DefaultHttpResponse(version, status);
    resp.headers().set(HttpHeaderNames.CONTENT_TYPE, JSON);
    if (version.isKeepAliveDefault()) {
      resp.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    } else {
      // HTTP/1.0 has no chunking: the stream ends when the connection closes
      keepAlive = false;
    }
    decorate(resp.headers());
    headersSent = true;
    ctx.writeAndFlush(resp);
  }

  /** Writes and flushes one piece of a started stream. */
  void chunk(String text) {
    if (done || !headersSent) {
      return;
    }
    ctx.writeAndFlush(
        new DefaultHttpContent(Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8))));
  }

  void endStream() {
    if (done || !headersSent) {
      return;
    }
    finish(ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
  }

  private void decorate(HttpHeaders h) {
    if (corsOrigin != null) {
      // etcd's addCORSHeader
      h.add("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE");
      h.add("Access-Control-Allow-Origin", corsOrigin);
      h.add("Access-Control-Allow-Headers", "accept, content-type, authorization");
    }
    if (!keepAlive) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (!version.isKeepAliveDefault()) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
  }

  private void finish(io.netty.channel.ChannelFuture written) {
    done = true;
    if (!keepAlive) {
      written.addListener((ChannelFutureListener) f -> owner.closeGracefully());
    }
    // deferred so the handler never re-enters itself from inside an exchange callback
    ctx.channel().eventLoop().execute(() -> owner.responseDone(this));
  }
}
