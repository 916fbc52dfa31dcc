package io.cairn.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * First handler of a shared-port connection: buffers bytes until they either match the whole
 * HTTP/2 client preface (gRPC, h2c prior knowledge) or differ from it (HTTP/1.x), then rewires
 * the pipeline and replays the bytes. gRPC's negotiation event, fired while we are undecided, is
 * held back and replayed to gRPC's handler, which expects it before any bytes.
 */
final class PrefaceSniffer extends ChannelInboundHandlerAdapter {
  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final ChannelHandler grpcNegotiation;
  private final Consumer<ChannelPipeline> http1Installer;
  private final List<Object> heldEvents = new ArrayList<>(1);
  private ByteBuf buffered;
  private boolean decided;

  PrefaceSniffer(ChannelHandler grpcNegotiation, Consumer<ChannelPipeline> http1Installer) {
    this.grpcNegotiation = grpcNegotiation;
    this.http1Installer = http1Installer;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (decided) {
      ctx.fireUserEventTriggered(evt);
    } else {
      heldEvents.add(evt);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (decided || !(msg instanceof ByteBuf in)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (buffered == null) {
      buffered = ctx.alloc().buffer(Math.max(PREFACE.length, in.readableBytes()));
    }
    buffered.writeBytes(in);
    in.release();
    switch (decide(buffered)) {
      case HTTP2 -> toGrpc(ctx);
      case HTTP1 -> toHttp1(ctx);
      case UNDECIDED -> {}
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    releaseHeld();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releaseHeld();
    ctx.fireChannelInactive();
  }

  enum Decision {
    HTTP2,
    HTTP1,
    UNDECIDED
  }

  static Decision decide(ByteBuf buf) {
    int n = Math.min(buf.readableBytes(), PREFACE.length);
    for (int i = 0; i < n; i++) {
      if (buf.getByte(buf.readerIndex() + i) != PREFACE[i]) {
        return Decision.HTTP1;
      }
    }
    return n == PREFACE.length ? Decision.HTTP2 : Decision.UNDECIDED;
  }

  private void toGrpc(ChannelHandlerContext ctx) {
    decided = true;
    ctx.pipeline().addAfter(ctx.name(), null, grpcNegotiation);
    // gRPC's negotiation handler swaps itself for the HTTP/2 handler on this event
    for (Object evt : heldEvents) {
      ctx.fireUserEventTriggered(evt);
    }
    heldEvents.clear();
    replayAndRemove(ctx);
  }

  private void toHttp1(ChannelHandlerContext ctx) {
    decided = true;
    ChannelPipeline p = ctx.pipeline();
    // drop gRPC's handlers (its write buffer would fail the connection on the first HTTP/1 read)
    boolean afterUs = false;
    for (Map.Entry<String, ChannelHandler> e : p.toMap().entrySet()) {
      if (afterUs) {
        p.remove(e.getValue());
      } else if (e.getValue() == this) {
        afterUs = true;
      }
    }
    releaseEvents();
    // before us, so after any TLS handler: the close command is caught before TLS would refuse a non-byte write
    p.addBefore(ctx.name(), null, new GrpcCommandCloser());
    http1Installer.accept(p);
    replayAndRemove(ctx);
  }

  private void replayAndRemove(ChannelHandlerContext ctx) {
    ByteBuf bytes = buffered;
    buffered = null;
    ctx.pipeline().remove(this);
    ctx.fireChannelRead(bytes);
    ctx.fireChannelReadComplete();
  }

  private void releaseHeld() {
    if (buffered != null) {
      buffered.release();
      buffered = null;
    }
    releaseEvents();
  }

  private void releaseEvents() {
    for (Object evt : heldEvents) {
      ReferenceCountUtil.release(evt);
    }
    heldEvents.clear();
  }
}
