package io.cairn.server.http;

import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.util.AsciiString;
import io.netty.handler.ssl.SslContext;
import java.net.SocketAddress;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Serves gRPC and HTTP/1.1 (the JSON gateway, /health, /metrics...) on one port, as etcd does
 * with cmux: each connection's first bytes decide. The HTTP/2 client preface goes to gRPC's own
 * plaintext negotiation untouched; anything else gets the HTTP/1.1 pipeline. On https URLs a
 * {@link TlsGate} does the handshake first and the same decision is made on the decrypted bytes.
 *
 * <p>Uses grpc-netty's internal negotiator hook ({@link InternalProtocolNegotiator}); the builder
 * must not have been created with ServerCredentials (that freezes the negotiator).
 */
public final class SharedPortNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
  private final InternalProtocolNegotiator.ProtocolNegotiator grpcPlaintext =
      InternalProtocolNegotiators.serverPlaintext();
  private final Consumer<ChannelPipeline> http1Installer;
  private final SslContext tls;
  private final Predicate<SocketAddress> tlsOn;

  private SharedPortNegotiator(Consumer<ChannelPipeline> http1Installer, SslContext tls, Predicate<SocketAddress> tlsOn) {
    this.http1Installer = Objects.requireNonNull(http1Installer, "http1Installer");
    this.tls = tls;
    this.tlsOn = tlsOn;
  }

  /**
   * Makes {@code builder}'s port also serve HTTP/1.1; {@code http1Installer} adds the HTTP
   * handlers to a connected channel's pipeline, e.g. {@code jsonGateway::install}.
   */
  public static void apply(NettyServerBuilder builder, Consumer<ChannelPipeline> http1Installer) {
    builder.protocolNegotiator(new SharedPortNegotiator(http1Installer, null, a -> false));
  }

  /**
   * The same, with TLS from {@code tls} on connections whose local address passes {@code tlsOn}
   * (the https URLs; http URLs of the same server stay plain text).
   */
  public static void apply(NettyServerBuilder builder, Consumer<ChannelPipeline> http1Installer, SslContext tls,
      Predicate<SocketAddress> tlsOn) {
    builder.protocolNegotiator(new SharedPortNegotiator(http1Installer, Objects.requireNonNull(tls), tlsOn));
  }

  @Override
  public AsciiString scheme() {
    return grpcPlaintext.scheme();
  }

  @Override
  public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
    PrefaceSniffer sniffer = new PrefaceSniffer(grpcPlaintext.newHandler(grpcHandler), http1Installer);
    return tls == null ? sniffer : new TlsGate(tls, tlsOn, sniffer);
  }

  @Override
  public void close() {
    grpcPlaintext.close();
  }
}
