package io.cairn.server;

import io.cairn.server.config.ServerConfig;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The gRPC server on --listen-client-urls, configured with etcd's keepalive and size limits. */
final class ClientListener implements AutoCloseable {
  /** etcd lets a gRPC message exceed --max-request-bytes by this much before gRPC itself refuses it. */
  static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

  private final Server server;
  private final HealthStatusManager health = new HealthStatusManager();

  ClientListener(ServerConfig cfg, List<BindableService> services) {
    List<URI> urls = cfg.listenClientUrls;
    NettyServerBuilder b = NettyServerBuilder.forAddress(address(urls.get(0)));
    for (URI u : urls.subList(1, urls.size())) {
      b.addListenAddress(address(u));
    }
    // Accept client pings like etcd's enforcement policy; also without active calls, since
    // etcdctl and clientv3 ping idle connections (grpc-go clamps their interval to >= 10 s).
    b.permitKeepAliveTime(Math.max(1, cfg.grpcKeepaliveMinTime.toMillis()), TimeUnit.MILLISECONDS)
        .permitKeepAliveWithoutCalls(true)
        .maxInboundMessageSize(cfg.maxRequestBytes + GRPC_OVERHEAD_BYTES)
        .maxConcurrentCallsPerConnection((int) Math.min(Integer.MAX_VALUE, cfg.maxConcurrentStreams));
    if (!cfg.grpcKeepaliveInterval.isZero()) {
      b.keepAliveTime(cfg.grpcKeepaliveInterval.toMillis(), TimeUnit.MILLISECONDS);
    }
    if (!cfg.grpcKeepaliveTimeout.isZero()) {
      b.keepAliveTimeout(cfg.grpcKeepaliveTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }
    services.forEach(b::addService);
    b.addService(health.getHealthService());
    server = b.build();
  }

  static InetSocketAddress address(URI u) {
    return new InetSocketAddress(u.getHost(), u.getPort());
  }

  void start() throws IOException {
    server.start();
    health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
  }

  @Override
  public void close() {
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
  }
}
