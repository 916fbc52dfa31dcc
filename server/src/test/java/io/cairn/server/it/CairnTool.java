package io.cairn.server.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the offline {@code cairn snapshot ...} tools as an operator does: {@code java -jar cairn.jar snapshot ...}. */
final class CairnTool {
  private CairnTool() {}

  static Etcdctl.Result snapshot(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", System.getProperty("cairn.jar", "target/cairn.jar"), "snapshot"));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).start();
      CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
      p.getOutputStream().close();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("cairn snapshot timed out: " + cmd);
      }
      return new Etcdctl.Result(p.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * Restores {@code file} into a new cluster of {@code n} members named {@code <prefix>1..n} (data dirs under
   * {@code dir}, token {@code token}), as an operator does with one restore per member, and starts them.
   */
  static List<Member> restoreCluster(Path file, Path dir, int n, String prefix, String token, long revision)
      throws IOException {
    int[] client = new int[n];
    int[] peer = new int[n];
    StringBuilder initial = new StringBuilder();
    for (int i = 0; i < n; i++) {
      client[i] = Ports.free();
      peer[i] = Ports.free();
      initial.append(i == 0 ? "" : ",").append(prefix).append(i + 1).append("=http://127.0.0.1:").append(peer[i]);
    }
    for (int i = 0; i < n; i++) {
      String out = snapshot("restore", file.toString(), "--name", prefix + (i + 1), "--data-dir",
          dir.resolve(prefix + (i + 1)).toString(), "--initial-cluster", initial.toString(), "--initial-cluster-token",
          token, "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer[i]).ok().out();
      if (!out.contains("restored snapshot at revision " + revision)) {
        throw new AssertionError("restore of " + prefix + (i + 1) + " said: " + out);
      }
    }
    List<Member> members = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        members.add(Member.cairnMemberAt(dir.resolve(prefix + (i + 1)), prefix + (i + 1), client[i], peer[i],
            initial.toString(), "--initial-cluster-token", token));
      }
    } catch (IOException | RuntimeException e) {
      for (Member m : members) {
        try {
          m.close(); // the caller never sees these: stop them here
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
      }
      throw e;
    }
    return members;
  }

  private static String read(java.io.InputStream in) {
    return Etcdctl.read(in);
  }

}
