package io.cairn.server.http;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.InternalChannelz;
import io.grpc.SecurityLevel;
import io.grpc.internal.GrpcAttributes;
import io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.ProtocolNegotiationEvent;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS in front of the shared-port sniffer, for connections to an https client URL. The handshake
 * (with client-certificate verification, when asked) completes before any application byte is
 * read; then the decrypted bytes go to {@link PrefaceSniffer} exactly as plain-text bytes would,
 * and gRPC is told the session (so calls see {@link Grpc#TRANSPORT_ATTR_SSL_SESSION}) through the
 * negotiation event it waits for. Connections to http URLs of the same server skip straight to the sniffer.
 */
final class TlsGate extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(TlsGate.class);
  private final SslContext ssl;
  private final Predicate<SocketAddress> tlsOn;
  private final ChannelHandler next;
  private ProtocolNegotiationEvent pne;
  private SSLSession session;
  /** Decrypted bytes that arrived with the handshake's last flight (TLS 1.3 clients send at once), replayed after. */
  private final List<Object> early = new ArrayList<>(1);

  TlsGate(SslContext ssl, Predicate<SocketAddress> tlsOn, ChannelHandler next) {
    this.ssl = ssl;
    this.tlsOn = tlsOn;
    this.next = next;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (!tlsOn.test(ctx.channel().localAddress())) {
      ctx.pipeline().replace(this, null, next);
      return;
    }
    ctx.pipeline().addBefore(ctx.name(), null, new SslHandler(ssl.newEngine(ctx.alloc())));
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ProtocolNegotiationEvent e) {
      pne = e;
    } else if (evt instanceof SslHandshakeCompletionEvent done) {
      if (!done.isSuccess()) {
        // etcd logs these too ("rejected connection"): a client with a wrong or missing certificate
        Throwable why = done.cause();
        LOG.warn("rejected connection from {}: {}", ctx.channel().remoteAddress(),
            why.getMessage() != null ? why.getMessage() : why.getClass().getSimpleName());
        ctx.close();
        return;
      }
      session = ctx.pipeline().get(SslHandler.class).engine().getSession();
    } else {
      ctx.fireUserEventTriggered(evt);
      return;
    }
    if (pne != null && session != null) {
      proceed(ctx);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    early.add(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // held back with the bytes; fired with them
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    early.forEach(ReferenceCountUtil::release);
    early.clear();
  }

  private void proceed(ChannelHandlerContext ctx) {
    Attributes attrs = InternalProtocolNegotiationEvent.getAttributes(pne).toBuilder()
        .set(GrpcAttributes.ATTR_SECURITY_LEVEL, SecurityLevel.PRIVACY_AND_INTEGRITY)
        .set(Grpc.TRANSPORT_ATTR_SSL_SESSION, session)
        .build();
    ProtocolNegotiationEvent secured = InternalProtocolNegotiationEvent.withSecurity(
        InternalProtocolNegotiationEvent.withAttributes(pne, attrs),
        new InternalChannelz.Security(new InternalChannelz.Tls(session)));
    ctx.pipeline().addAfter(ctx.name(), null, next);
    ctx.fireUserEventTriggered(secured);
    List<Object> bytes = new ArrayList<>(early);
    early.clear();
    ctx.pipeline().remove(this);
    if (!bytes.isEmpty()) {
      bytes.forEach(ctx::fireChannelRead);
      ctx.fireChannelReadComplete();
    }
  }
}
