package io.cairn.server;

import io.cairn.gateway.GatewayServer;
import io.cairn.gateway.JsonGateway;
import io.cairn.server.config.ServerConfig;
import io.cairn.server.http.SharedPortNegotiator;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Everything that listens for clients: gRPC on --listen-client-urls (sharing each port with the
 * JSON gateway, as etcd does, unless --listen-client-http-urls moves HTTP elsewhere), the gateway's
 * own HTTP listeners, and --listen-metrics-urls. The gateway reaches the services through an
 * in-process channel, so every rule and limit of the gRPC path applies to it too. https URLs get
 * TLS (see {@link SharedPortNegotiator}); http ones stay plain text, also side by side.
 */
final class ClientListener implements AutoCloseable {
  /** etcd lets a gRPC message exceed --max-request-bytes by this much before gRPC itself refuses it. */
  static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

  private final Server server;
  private final Server inProcess;
  private final ManagedChannel loopback;
  private final JsonGateway gateway;
  private final List<URI> httpOnlyUrls;
  private final List<GatewayServer> httpServers = new ArrayList<>();
  private final HealthStatusManager health = new HealthStatusManager();

  /** TLS for https URLs (null when none is https). */
  private final SslContext tls;
  /** KV's handlers run on the event loop; every other call on this pool. */
  private final io.cairn.server.transport.CallExecutors callExecutors =
      new io.cairn.server.transport.CallExecutors("cairn-grpc", ON_EVENT_LOOP);

  /**
   * Handlers that only validate, check and propose (reads go on to the read pool): they never block, so they run on
   * the transport's event loop instead of paying a thread hand-off per request.
   */
  static final Set<String> ON_EVENT_LOOP = Set.of("etcdserverpb.KV/Range", "etcdserverpb.KV/RangeStream",
      "etcdserverpb.KV/Put",
      "etcdserverpb.KV/DeleteRange", "etcdserverpb.KV/Txn", "etcdserverpb.KV/Compact",
      // a keep-alive checks the caller and asks the lessor (or the leader, asynchronously); a watch request is
      // posted to the watch hub's queue
      "etcdserverpb.Lease/LeaseKeepAlive", "etcdserverpb.Watch/Watch");

  ClientListener(ServerConfig cfg, List<BindableService> services, List<ServerInterceptor> interceptors,
      Function<io.grpc.Channel, JsonGateway> gatewayFactory, SslContext tls) {
    this.tls = tls;
    String name = "cairn-" + UUID.randomUUID();
    // the gateway's calls: KV's handlers run on the gateway's own event loop thread that makes the call
    InProcessServerBuilder ip = InProcessServerBuilder.forName(name)
        .maxInboundMessageSize(cfg.maxRequestBytes + GRPC_OVERHEAD_BYTES);
    ip.directExecutor().callExecutor(callExecutors);
    services.forEach(s -> ip.addService(ServerInterceptors.intercept(s, interceptors)));
    inProcess = ip.build();
    loopback = InProcessChannelBuilder.forName(name).maxInboundMessageSize(Integer.MAX_VALUE).build();
    gateway = cfg.enableGrpcGateway ? gatewayFactory.apply(loopback) : null;

    List<URI> urls = cfg.listenClientUrls;
    // no credentials: the shared-port negotiator replaces grpc's plaintext one
    NettyServerBuilder b = NettyServerBuilder.forAddress(address(urls.get(0)));
    b.directExecutor().callExecutor(callExecutors);
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
    services.forEach(s -> b.addService(ServerInterceptors.intercept(s, interceptors)));
    b.addService(health.getHealthService());
    boolean sharedPort = gateway != null && cfg.listenClientHttpUrls.isEmpty();
    if (tls != null) {
      Set<Integer> tlsPorts = new HashSet<>();
      urls.stream().filter(u -> u.getScheme().equals("https")).forEach(u -> tlsPorts.add(u.getPort()));
      // without the gateway here an HTTP/1 client only gets its connection closed
      SharedPortNegotiator.apply(b, sharedPort ? gateway::install : p -> p.channel().close(), tls,
          a -> a instanceof InetSocketAddress i && tlsPorts.contains(i.getPort()));
    } else if (sharedPort) {
      SharedPortNegotiator.apply(b, gateway::install);
    }
    server = b.build();
    httpOnlyUrls = new ArrayList<>(cfg.listenMetricsUrls);
    if (gateway != null) {
      httpOnlyUrls.addAll(cfg.listenClientHttpUrls);
    }
  }

  static InetSocketAddress address(URI u) {
    return new InetSocketAddress(u.getHost(), u.getPort());
  }

  void start() throws IOException {
    inProcess.start();
    server.start();
    for (URI u : httpOnlyUrls) {
      if (gateway == null) {
        throw new IOException("--listen-metrics-urls needs the HTTP endpoints; do not set --enable-grpc-gateway=false");
      }
      try {
        if (u.getScheme().equals("https")) {
          httpServers.add(GatewayServer.start(p -> {
            p.addLast(new SslHandler(tls.newEngine(p.channel().alloc())));
            gateway.install(p);
          }, address(u), 1));
        } else {
          httpServers.add(GatewayServer.start(gateway, address(u), 1));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while binding " + u, e);
      }
    }
    health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
  }

  @Override
  public void close() {
    health.enterTerminalState();
    httpServers.forEach(GatewayServer::close);
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
    if (gateway != null) {
      gateway.close();
    }
    loopback.shutdownNow();
    inProcess.shutdownNow();
    callExecutors.close();
  }
}
