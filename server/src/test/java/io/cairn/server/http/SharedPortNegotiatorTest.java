package io.cairn.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One port, two protocols. The HTTP/1.1 side here is a tiny echo handler standing in for the
 * JSON gateway (whose own tests live in the gateway module).
 */
class SharedPortNegotiatorTest {
  private Server server;
  private ManagedChannel client;
  private int port;

  @BeforeEach
  void start() throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    NettyServerBuilder b =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(health.getHealthService())
            .addService(new FakeKv());
    SharedPortNegotiator.apply(b, SharedPortNegotiatorTest::installHttp1);
    server = b.build().start();
    port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    client = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    client.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void onePortServesGrpcAndHttp1() throws Exception {
    HealthCheckResponse h =
        HealthGrpc.newBlockingStub(client)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance());
    assertThat(h.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v3/kv/range"))
                  .timeout(Duration.ofSeconds(5))
                  .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"Zm9v\"}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("POST /v3/kv/range {\"key\":\"Zm9v\"}");
    }

    // gRPC still works on the same port afterwards, on the same client connection
    RangeResponse range =
        KVGrpc.newBlockingStub(client)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")).build());
    assertThat(range.getCount()).isEqualTo(1);
  }

  @Test
  void bytesArrivingOneAtATimeAreStillSniffed() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      // "P" also starts the HTTP/2 preface "PRI * ...": the decision must wait for the 2nd byte
      for (byte b :
          "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"
              .getBytes(StandardCharsets.US_ASCII)) {
        out.write(b);
        out.flush();
      }
      InputStream in = s.getInputStream();
      String resp = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(resp).startsWith("HTTP/1.1 200").endsWith("POST /x hi");
    }
  }

  @Test
  void preludeDecision() {
    assertThat(PrefaceSniffer.decide(Unpooled.copiedBuffer("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", StandardCharsets.US_ASCII)))
        .isEqualTo(PrefaceSniffer.Decision.HTTP2);
    assertThat(PrefaceSniffer.decide(Unpooled.copiedBuffer("PRI * HTTP/2.0\r\n", StandardCharsets.US_ASCII)))
        .isEqualTo(PrefaceSniffer.Decision.UNDECIDED);
    assertThat(PrefaceSniffer.decide(Unpooled.copiedBuffer("PRI * HTTP/1.1\r\n", StandardCharsets.US_ASCII)))
        .isEqualTo(PrefaceSniffer.Decision.HTTP1);
    assertThat(PrefaceSniffer.decide(Unpooled.copiedBuffer("GET", StandardCharsets.US_ASCII)))
        .isEqualTo(PrefaceSniffer.Decision.HTTP1);
  }

  @Test
  void shutdownNowClosesHttp1Connections() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(5000);
      // a request whose body never comes keeps the HTTP/1 connection open
      s.getOutputStream()
          .write("POST /v3/kv/put HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      Thread.sleep(200);
      server.shutdownNow();
      assertThat(server.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
  }

  private static void installHttp1(ChannelPipeline p) {
    p.addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new EchoHandler());
  }

  /** Answers "METHOD URI BODY". */
  private static final class EchoHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      String text = req.method() + " " + req.uri() + " " + req.content().toString(StandardCharsets.UTF_8);
      FullHttpResponse resp =
          new DefaultFullHttpResponse(
              req.protocolVersion(), HttpResponseStatus.OK, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
      resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, resp.content().readableBytes());
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      HttpUtil.setKeepAlive(resp, keepAlive);
      var f = ctx.writeAndFlush(resp);
      if (!keepAlive) {
        f.addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // e.g. the half-sent request when the server is shut down under it
      ctx.close();
    }
  }

  private static final class FakeKv extends KVGrpc.KVImplBase {
    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> out) {
      out.onNext(RangeResponse.newBuilder().setCount(1).build());
      out.onCompleted();
    }
  }
}
