package io.cairn.server.peer;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server on --listen-peer-urls that other members stream Raft messages to. With https
 * URLs it serves TLS; when a CA is set (--peer-trusted-ca-file, --peer-client-cert-auth) a peer
 * without a valid certificate fails the handshake, before any Raft message is read.
 */
public final class PeerListener implements AutoCloseable {
  private final Server server;
  /**
   * Raft messages are posted to the raft thread from the event loop, and a follower's forwarded lease renewals and TTL
   * questions are answered there too (the lessor answers at once or with a future, never blocking, as for a client's
   * keep-alive on the leader); snapshots and the rest use a pool.
   */
  private final io.cairn.server.transport.CallExecutors callExecutors =
      new io.cairn.server.transport.CallExecutors("cairn-peer-grpc", java.util.Set.of(
          io.cairn.proto.serverpb.PeerGrpc.getSendMethod().getFullMethodName(),
          io.cairn.proto.serverpb.PeerGrpc.getLeaseRenewMethod().getFullMethodName(),
          io.cairn.proto.serverpb.PeerGrpc.getLeaseRenewalsMethod().getFullMethodName(),
          io.cairn.proto.serverpb.PeerGrpc.getLeaseTimeToLiveMethod().getFullMethodName()));

  /** @param tls for https URLs; null when none is https */
  public PeerListener(List<URI> urls, BindableService service, io.grpc.ServerInterceptor check, SslContext tls) {
    NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(urls.get(0).getHost(), urls.get(0).getPort()));
    for (URI u : urls.subList(1, urls.size())) {
      b.addListenAddress(new InetSocketAddress(u.getHost(), u.getPort()));
    }
    b.directExecutor().callExecutor(callExecutors);
    b.addService(io.grpc.ServerInterceptors.intercept(service, check)).maxInboundMessageSize(Integer.MAX_VALUE)
        .permitKeepAliveWithoutCalls(true).permitKeepAliveTime(1, TimeUnit.SECONDS);
    if (tls != null) {
      b.sslContext(tls);
    }
    server = b.build();
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
    callExecutors.close();
  }
}
