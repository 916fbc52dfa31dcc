package io.cairn.server;

import io.cairn.server.config.FlagParser;
import io.cairn.server.config.ServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A Cairn member started inside the test JVM on a free loopback port, with a channel to it. */
public final class InProcessServer implements AutoCloseable {
  public final CairnServer server;
  public final ManagedChannel channel;

  public InProcessServer(Path dir, String... flags) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String[] base = {"--data-dir", dir.resolve("data").toString(),
        "--listen-client-urls", "http://127.0.0.1:" + port, "--advertise-client-urls", "http://127.0.0.1:" + port};
    String[] all = new String[base.length + flags.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(flags, 0, all, base.length, flags.length);
    ServerConfig cfg = ServerConfig.from(FlagParser.parse(all, Map.of(), w -> { }).values());
    server = CairnServer.start(cfg);
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }
}
