package io.cairn.gateway;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A fake etcd behind an in-process channel, and the gateway listening on a free loopback port. */
final class TestGateway implements AutoCloseable {
  final FakeEtcd fake = new FakeEtcd();
  final Server grpcServer;
  final ManagedChannel channel;
  final JsonGateway gateway;
  final GatewayServer http;
  final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  TestGateway() throws Exception {
    this(GatewayOptions.defaults(), new FakeEndpoints());
  }

  TestGateway(GatewayOptions options, HttpEndpoints endpoints) throws Exception {
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder sb = InProcessServerBuilder.forName(name).directExecutor();
    fake.services().forEach(sb::addService);
    grpcServer = sb.build().start();
    channel = InProcessChannelBuilder.forName(name).build();
    gateway = new JsonGateway(channel, options, endpoints);
    http = GatewayServer.start(gateway, new InetSocketAddress("127.0.0.1", 0), 1);
  }

  int port() {
    return http.port();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port() + path);
  }

  HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
    return client.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() throws Exception {
    http.close();
    gateway.close();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    grpcServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
