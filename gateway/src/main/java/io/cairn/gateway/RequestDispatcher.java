package io.cairn.gateway;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Decides what a request is, in etcd's order: malformed request, v3beta rewrite, Host whitelist
 * (421), CORS, OPTIONS (200), ServeMux's 301 for a non-canonical path (or "/v3"), then a /v3/
 * gateway route or a plain endpoint.
 */
final class RequestDispatcher {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RequestDispatcher.class);
  private final RouteTable routes;
  private final GatewayOptions options;
  private final Channel grpc;
  private final PlainEndpoints plain;
  private final Executor blocking;

  RequestDispatcher(
      RouteTable routes,
      GatewayOptions options,
      Channel grpc,
      PlainEndpoints plain,
      Executor blocking) {
    this.routes = routes;
    this.options = options;
    this.grpc = grpc;
    this.plain = plain;
    this.blocking = blocking;
  }

  Exchange dispatch(ChannelHandlerContext ctx, HttpRequest req, GatewayHandler owner) {
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    if (req.decoderResult().isFailure()) {
      Responder r = new Responder(ctx, owner, req.protocolVersion(), false, null);
      r.text(malformedStatus(req.decoderResult().cause()), "400 Bad Request\n");
      return Exchange.discarding(r);
    }
    String path;
    try {
      path = RouteTable.canonicalPath(new QueryStringDecoder(req.uri()).path());
    } catch (IllegalArgumentException e) {
      Responder r = new Responder(ctx, owner, req.protocolVersion(), false, null);
      r.text(HttpResponseStatus.BAD_REQUEST, "400 Bad Request: invalid URI\n");
      return Exchange.discarding(r);
    }

    String host = HostHeader.hostname(req.headers().get(HttpHeaderNames.HOST));
    // etcd checks --host-whitelist only on insecure connections: DNS rebinding cannot present the certificate
    boolean secure = ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class) != null;
    if (!secure && !options.hostAllowed(host)) {
      Responder r = new Responder(ctx, owner, req.protocolVersion(), keepAlive, null);
      r.text(HttpResponseStatus.MISDIRECTED_REQUEST, HostHeader.dnsRebindingMessage(host));
      return early(r, req);
    }
    String cors = options.corsOriginFor(req.headers().get(HttpHeaderNames.ORIGIN));
    Responder r = new Responder(ctx, owner, req.protocolVersion(), keepAlive, cors);
    if (HttpMethod.OPTIONS.equals(req.method())) {
      r.full(HttpResponseStatus.OK, null, "");
      return early(r, req);
    }
    if (!HttpMethod.CONNECT.equals(req.method())) {
      String target = GoPaths.redirectTarget(path);
      if (target != null) {
        String rawQuery = new QueryStringDecoder(req.uri()).rawQuery();
        r.redirect(
            GoPaths.escapePath(target) + (rawQuery.isEmpty() ? "" : "?" + rawQuery),
            req.method().name());
        return early(r, req);
      }
    }
    if (path.startsWith("/v3/")) {
      return rpc(ctx, req, path, r);
    }
    if (plain == null || !PlainEndpoints.knows(path)) {
      r.text(HttpResponseStatus.NOT_FOUND, "404 page not found\n");
      return early(r, req);
    }
    return plainEndpoint(ctx, req, path, r);
  }

  private Exchange rpc(ChannelHandlerContext ctx, HttpRequest req, String path, Responder r) {
    Route route = routes.find(path);
    if (route == null) {
      // grpc-gateway v2's routing error handler shapes
      r.json(HttpResponseStatus.NOT_FOUND, GrpcErrors.statusJson(Status.Code.NOT_FOUND, "Not Found"));
      return early(r, req);
    }
    if (!HttpMethod.POST.equals(req.method())) {
      r.json(
          HttpResponseStatus.METHOD_NOT_ALLOWED,
          GrpcErrors.statusJson(Status.Code.UNIMPLEMENTED, "Method Not Allowed"));
      return early(r, req);
    }
    long length = HttpUtil.getContentLength(req, -1L);
    if (!route.clientStreaming() && length > options.maxBodyBytes()) {
      // refuse from the header alone, before any of the body is read
      r.closeAfterResponse();
      r.json(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, TooLarge.body());
      return Exchange.discarding(r);
    }
    continueIfExpected(ctx, req);
    Channel channel = withMetadata(GrpcMetadata.fromHeaders(req.headers()));
    if (route.clientStreaming()) {
      return new BidiExchange(route, channel, r, ctx.channel(), options.maxBodyBytes());
    }
    return new UnaryExchange(route, channel, r, ctx.channel(), options.maxBodyBytes(), length);
  }

  private Exchange plainEndpoint(
      ChannelHandlerContext ctx,
      HttpRequest req,
      String path,
      Responder r) {
    String method = req.method().name();
    Map<String, List<String>> query = QueryParams.parse(req.uri());
    try {
      CompletableFuture.supplyAsync(() -> plain.handle(method, path, query), blocking)
          .whenComplete(
              (resp, err) ->
                  ctx.channel()
                      .eventLoop()
                      .execute(
                          () -> {
                            if (err != null) {
                              LOG.warn("{} {} failed", method, path, err);
                              r.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "unavailable\n");
                            } else {
                              r.full(resp.status(), resp.contentType(), resp.body(), resp.nosniff(),
                                  resp.allow());
                            }
                          }));
    } catch (RejectedExecutionException e) {
      r.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "server is shutting down\n");
    }
    return early(r, req);
  }

  /**
   * The response does not depend on the body; the body is read and dropped, except when the
   * client waits for 100-continue: then it will not send it, so the connection must not be reused.
   */
  private static Exchange early(Responder r, HttpRequest req) {
    if (HttpUtil.is100ContinueExpected(req)) {
      r.closeAfterResponse();
    }
    return Exchange.discarding(r);
  }

  private static void continueIfExpected(ChannelHandlerContext ctx, HttpRequest req) {
    if (HttpUtil.is100ContinueExpected(req)) {
      ctx.writeAndFlush(
          new DefaultFullHttpResponse(
              req.protocolVersion(), HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
    }
  }

  private Channel withMetadata(Metadata md) {
    return md.keys().isEmpty()
        ? grpc
        : ClientInterceptors.intercept(grpc, MetadataUtils.newAttachHeadersInterceptor(md));
  }

  private static HttpResponseStatus malformedStatus(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      return HttpResponseStatus.REQUEST_URI_TOO_LONG;
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
    }
    return cause instanceof TooLongFrameException
        ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
        : HttpResponseStatus.BAD_REQUEST;
  }
}
