package io.cairn.storage.etcd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real etcd ({@code /usr/bin/etcd}) on free local ports in a test's directory, driven with the real etcdctl: the
 * source of the bbolt files the reader is tested on. Stopped by its own PID only.
 */
public final class RealEtcd implements AutoCloseable {
  static final String ETCD = "/usr/bin/etcd";
  static final String ETCDCTL = "/usr/bin/etcdctl";

  public record Out(int exit, byte[] stdout, String stderr) {
    public String text() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    public Out ok() {
      if (exit != 0) {
        throw new AssertionError("etcdctl exited " + exit + ": " + stderr + text());
      }
      return this;
    }
  }

  private final Process process;
  final int clientPort;
  final Path dir;

  private RealEtcd(Process process, int clientPort, Path dir) {
    this.process = process;
    this.clientPort = clientPort;
    this.dir = dir;
  }

  public static RealEtcd start(Path dir) throws IOException {
    if (!Files.isExecutable(Path.of(ETCD)) || !Files.isExecutable(Path.of(ETCDCTL))) {
      throw new IllegalStateException("etcd and etcdctl are needed: apt-get install -y etcd-server etcd-client");
    }
    int client = freePort();
    int peer = freePort();
    List<String> cmd = List.of(ETCD, "--name", "e1", "--data-dir", dir.resolve("etcd-data").toString(),
        "--listen-client-urls", "http://127.0.0.1:" + client, "--advertise-client-urls", "http://127.0.0.1:" + client,
        "--listen-peer-urls", "http://127.0.0.1:" + peer, "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
        "--initial-cluster", "e1=http://127.0.0.1:" + peer);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcd.log").toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("ETCD"));
    RealEtcd e = new RealEtcd(pb.start(), client, dir);
    try {
      e.awaitReady();
    } catch (IOException | RuntimeException ex) {
      e.close();
      throw ex;
    }
    return e;
  }

  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("etcd exited: " + Files.readString(dir.resolve("etcd.log")));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", clientPort), 200);
        if (ctl("endpoint", "health").exit() == 0) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      try {
        process.waitFor(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new IOException(ie);
      }
    }
    throw new IOException("etcd did not become healthy in 30s");
  }

  public Out ctl(String... args) {
    return ctlWithInput(null, args);
  }

  public Out ctlWithInput(byte[] stdin, String... args) {
    List<String> cmd = new ArrayList<>(List.of(ETCDCTL, "--endpoints=127.0.0.1:" + clientPort, "--dial-timeout=5s",
        "--command-timeout=20s"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_"));
    pb.environment().put("ETCDCTL_API", "3");
    try {
      Process p = pb.start();
      CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
      CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
      if (stdin != null) {
        p.getOutputStream().write(stdin);
      }
      p.getOutputStream().close();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("etcdctl timed out: " + cmd);
      }
      return new Out(p.exitValue(), out.join(), new String(err.join(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Puts many keys in transactions of 100 (etcd's default limit is 128 ops). */
  public void putMany(List<String> keys, java.util.function.Function<String, String> value) {
    for (int from = 0; from < keys.size(); from += 100) {
      StringBuilder txn = new StringBuilder("\n");
      for (String k : keys.subList(from, Math.min(keys.size(), from + 100))) {
        txn.append("put ").append(k).append(" \"").append(value.apply(k)).append("\"\n");
      }
      txn.append("\n\n"); // ends the success ops and the (empty) failure ops
      ctlWithInput(txn.toString().getBytes(StandardCharsets.UTF_8), "txn").ok();
    }
  }

  public Path snapshot(String name, String... credentials) {
    Path file = dir.resolve(name);
    List<String> args = new ArrayList<>(List.of(credentials));
    args.addAll(List.of("snapshot", "save", file.toString()));
    ctl(args.toArray(String[]::new)).ok();
    return file;
  }

  private static byte[] readAll(java.io.InputStream in) {
    try (in) {
      return in.readAllBytes();
    } catch (IOException e) {
      return new byte[0];
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
