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
    String peer = "http://127.0.0.1:" + peerPort(dir);
    boolean ownPeers = java.util.Arrays.asList(flags).contains("--listen-peer-urls");
    String[] base = ownPeers
        ? new String[] {"--data-dir", dir.resolve("data").toString(),
            "--listen-client-urls", "http://127.0.0.1:" + port, "--advertise-client-urls", "http://127.0.0.1:" + port}
        : new String[] {"--data-dir", dir.resolve("data").toString(),
            "--listen-client-urls", "http://127.0.0.1:" + port, "--advertise-client-urls", "http://127.0.0.1:" + port,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "default=" + peer};
    String[] all = new String[base.length + flags.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(flags, 0, all, base.length, flags.length);
    ServerConfig cfg = ServerConfig.from(FlagParser.parse(all, Map.of(), w -> { }).values());
    server = CairnServer.start(cfg);
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  /**
   * A free peer port, kept in the test's directory so that a restart in the same directory is the same member (its
   * id derives from its peer URL); never etcd's 2380, which another build's test may hold.
   */
  private static int peerPort(Path dir) throws java.io.IOException {
    Path f = dir.resolve("peer-port");
    if (java.nio.file.Files.exists(f)) {
      return Integer.parseInt(java.nio.file.Files.readString(f).trim());
    }
    int p;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      p = s.getLocalPort();
    }
    java.nio.file.Files.createDirectories(dir);
    java.nio.file.Files.writeString(f, Integer.toString(p));
    return p;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }
}
