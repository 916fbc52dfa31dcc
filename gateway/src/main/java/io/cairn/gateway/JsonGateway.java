package io.cairn.gateway;

import io.grpc.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * etcd's JSON/HTTP gateway: translates each POST /v3/... route into the same gRPC call a client
 * would make on {@code grpc} (so auth and limits apply identically), and serves /health, /livez,
 * /readyz, /version and /metrics from an {@link HttpEndpoints}. One instance serves any number of
 * connections; {@link #install} sets up one HTTP/1.1 connection.
 */
public final class JsonGateway implements AutoCloseable {
  private final RequestDispatcher dispatcher;
  private final ExecutorService ownExecutor;

  /**
   * @param grpc channel to this server's own gRPC services (e.g. an in-process channel)
   * @param endpoints provider of the plain endpoints, or null to answer them with 404
   */
  public JsonGateway(Channel grpc, GatewayOptions options, HttpEndpoints endpoints) {
    Objects.requireNonNull(grpc, "grpc");
    Objects.requireNonNull(options, "options");
    this.ownExecutor = options.blockingExecutor() == null ? newBlockingPool() : null;
    this.dispatcher =
        new RequestDispatcher(
            RouteTable.etcd(),
            options,
            grpc,
            endpoints == null ? null : new PlainEndpoints(endpoints),
            ownExecutor != null ? ownExecutor : options.blockingExecutor());
  }

  /**
   * Adds the HTTP/1.1 codec and the gateway to the pipeline of an (already connected) channel.
   * Called for a fresh channel, or after the gRPC handlers were removed from a shared port.
   */
  public void install(ChannelPipeline pipeline) {
    pipeline.addLast("cairn-http-codec", new HttpServerCodec());
    pipeline.addLast("cairn-json-gateway", new GatewayHandler(dispatcher));
  }

  /** Stops the gateway's own blocking pool (not a pool passed in the options). */
  @Override
  public void close() {
    if (ownExecutor != null) {
      ownExecutor.shutdown();
    }
  }

  /** Health/readiness probes may wait on a read; a few threads are plenty and bound the load. */
  private static ExecutorService newBlockingPool() {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            4,
            4,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(1024),
            r -> {
              Thread t = new Thread(r, "cairn-http-endpoints-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
