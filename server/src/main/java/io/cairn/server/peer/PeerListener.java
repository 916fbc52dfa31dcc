package io.cairn.server.peer;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The gRPC server on --listen-peer-urls that other members stream Raft messages to. */
public final class PeerListener implements AutoCloseable {
  private final Server server;

  public PeerListener(List<URI> urls, BindableService service, io.grpc.ServerInterceptor check) {
    NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(urls.get(0).getHost(), urls.get(0).getPort()));
    for (URI u : urls.subList(1, urls.size())) {
      b.addListenAddress(new InetSocketAddress(u.getHost(), u.getPort()));
    }
    server = b.addService(io.grpc.ServerInterceptors.intercept(service, check)).maxInboundMessageSize(Integer.MAX_VALUE)
        .permitKeepAliveWithoutCalls(true).permitKeepAliveTime(1, TimeUnit.SECONDS).build();
  }

  public void start() throws IOException {
    server.start();
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
