package io.cairn.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.server.http.SharedPortNegotiator;
import io.cairn.server.it.TestCa;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client port under TLS, in one JVM: gRPC (ALPN h2) and HTTP/1.1 (ALPN http/1.1) on one port,
 * client certificates verified in the handshake, and the verified CN visible to calls.
 */
class TlsSharedPortTest {
  @TempDir
  Path dir;
  private TestCa ca;
  private TestCa.Issued alice;
  private Server server;
  private int port;
  private final AtomicReference<String> seenCn = new AtomicReference<>("none");

  @BeforeEach
  void start() throws Exception {
    ca = new TestCa(dir.resolve("ca"), "unit-ca");
    TestCa.Issued cert = ca.issue("server");
    alice = ca.issue("alice");
    TlsInfo info = new TlsInfo(cert.cert().toString(), cert.key().toString(), ca.certFile.toString(), true,
        "", "", "", false);
    ServerInterceptor capture = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata h, ServerCallHandler<Q, R> next) {
        seenCn.set(String.valueOf(ClientIdentity.COMMON_NAME.get()));
        return next.startCall(call, h);
      }
    };
    NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), capture,
            new ClientIdentity()));
    SharedPortNegotiator.apply(b, TlsSharedPortTest::installHttp1,
        TlsContexts.clientPort(info, TlsOptions.parse("", "", "")), a -> true);
    server = b.build().start();
    port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
  }

  @AfterEach
  void stop() throws Exception {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void grpcCallsSeeTheVerifiedClientCertificatesCommonName() throws Exception {
    ManagedChannel ch = channel(alice);
    try {
      assertThat(HealthGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      assertThat(seenCn.get()).isEqualTo("alice");
    } finally {
      ch.shutdownNow();
    }
  }

  @Test
  void withoutAClientCertificateTheHandshakeFailsBeforeAnyCall() throws Exception {
    ManagedChannel ch = channel(null);
    try {
      assertThatThrownBy(() -> HealthGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance())).isInstanceOf(StatusRuntimeException.class);
      assertThat(seenCn.get()).isEqualTo("none");
    } finally {
      ch.shutdownNow();
    }
  }

  @Test
  void anHttpsClientOfferingHttp11GetsTheHttp1HandlersOnTheSamePort() throws Exception {
    // Java's client offers h2 and http/1.1 over ALPN; the server's preference makes it HTTP/1.1
    HttpClient http = HttpClient.newBuilder().sslContext(ca.clientContext(alice)).build();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/x")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(r.body()).isEqualTo("http1 over tls");
  }

  private ManagedChannel channel(TestCa.Issued who) throws Exception {
    SslContextBuilder b = GrpcSslContexts.forClient().trustManager(ca.cert);
    if (who != null) {
      b.keyManager(who.keys().getPrivate(), who.certificate());
    }
    return NettyChannelBuilder.forAddress("127.0.0.1", port).sslContext(b.build()).build();
  }

  private static void installHttp1(ChannelPipeline p) {
    p.addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 16), new SimpleChannelInboundHandler<FullHttpRequest>() {
      @Override
      protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        DefaultFullHttpResponse resp = new DefaultFullHttpResponse(req.protocolVersion(), HttpResponseStatus.OK,
            Unpooled.copiedBuffer("http1 over tls", StandardCharsets.UTF_8));
        resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, resp.content().readableBytes());
        ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
      }
    });
  }
}
