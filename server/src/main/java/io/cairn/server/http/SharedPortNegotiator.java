package io.cairn.server.http;

import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.util.AsciiString;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Serves gRPC and HTTP/1.1 (the JSON gateway, /health, /metrics...) on one plaintext port, as
 * etcd does with cmux: each connection's first bytes decide. The HTTP/2 client preface goes to
 * gRPC's own plaintext negotiation untouched; anything else gets the HTTP/1.1 pipeline.
 *
 * <p>Uses grpc-netty's internal negotiator hook ({@link InternalProtocolNegotiator}); the builder
 * must not have been created with ServerCredentials (that freezes the negotiator).
 */
public final class SharedPortNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
  private final InternalProtocolNegotiator.ProtocolNegotiator grpcPlaintext =
      InternalProtocolNegotiators.serverPlaintext();
  private final Consumer<ChannelPipeline> http1Installer;

  private SharedPortNegotiator(Consumer<ChannelPipeline> http1Installer) {
    this.http1Installer = Objects.requireNonNull(http1Installer, "http1Installer");
  }

  /**
   * Makes {@code builder}'s port also serve HTTP/1.1; {@code http1Installer} adds the HTTP
   * handlers to a connected channel's pipeline, e.g. {@code jsonGateway::install}.
   */
  public static void apply(NettyServerBuilder builder, Consumer<ChannelPipeline> http1Installer) {
    builder.protocolNegotiator(new SharedPortNegotiator(http1Installer));
  }

  @Override
  public AsciiString scheme() {
    return grpcPlaintext.scheme();
  }

  @Override
  public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
    return new PrefaceSniffer(grpcPlaintext.newHandler(grpcHandler), http1Installer);
  }

  @Override
  public void close() {
    grpcPlaintext.close();
  }
}
