package io.cairn.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.util.ReferenceCountUtil;

/**
 * On a shared-port connection turned HTTP/1.1, gRPC's transport still owns the channel and on
 * server shutdownNow writes its own close command object into the pipeline. No HTTP/2 handler is
 * there to understand it, so treat any such non-byte write as "close this connection".
 */
final class GrpcCommandCloser extends ChannelOutboundHandlerAdapter {
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof ByteBuf || msg instanceof ByteBufHolder || msg instanceof FileRegion) {
      ctx.write(msg, promise);
      return;
    }
    ReferenceCountUtil.release(msg);
    promise.trySuccess();
    ctx.close();
  }
}
