package io.cairn.gateway;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A listener of its own for the gateway (etcd's --listen-client-http-urls, and tests). The
 * gateway itself is not closed with the server; it may be shared.
 */
public final class GatewayServer implements AutoCloseable {
  private final EventLoopGroup group;
  private final Channel serverChannel;

  private GatewayServer(EventLoopGroup group, Channel serverChannel) {
    this.group = group;
    this.serverChannel = serverChannel;
  }

  /** Binds (port 0 picks a free port) and starts serving; {@code threads} event loops. */
  public static GatewayServer start(JsonGateway gateway, InetSocketAddress address, int threads)
      throws InterruptedException {
    return start(gateway::install, address, threads);
  }

  /**
   * The same with the connection's handlers added by {@code installer}, e.g. a TLS handler before
   * the gateway's own.
   */
  public static GatewayServer start(java.util.function.Consumer<io.netty.channel.ChannelPipeline> installer,
      InetSocketAddress address, int threads) throws InterruptedException {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
    ChannelFuture bound =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel c) {
                    installer.accept(c.pipeline());
                  }
                })
            .bind(address);
    try {
      bound.await();
    } catch (InterruptedException e) {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
    if (!bound.isSuccess()) {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw new UncheckedIOException(
          new IOException("cannot listen on " + address, bound.cause()));
    }
    return new GatewayServer(group, bound.channel());
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  public int port() {
    return address().getPort();
  }

  @Override
  public void close() {
    serverChannel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
