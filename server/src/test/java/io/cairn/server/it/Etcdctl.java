package io.cairn.server.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the real etcdctl (Debian etcd-client, API v3) against one endpoint. */
final class Etcdctl {
  static final String BIN = "/usr/bin/etcdctl";

  record Result(int exit, String out, String err) {
    Result ok() {
      if (exit != 0) {
        throw new AssertionError("etcdctl exited " + exit + "\nstdout: " + out + "\nstderr: " + err);
      }
      return this;
    }
  }

  private final String endpoint;

  Etcdctl(String endpoint) {
    if (!new java.io.File(BIN).canExecute()) {
      throw new IllegalStateException(BIN + " is missing: install it with 'apt-get install -y etcd-client'"
          + " (scripts/test.sh does this)");
    }
    this.endpoint = endpoint;
  }

  Result run(String... args) {
    return runWithInput(null, args);
  }

  Result runWithInput(String stdin, String... args) {
    return run(stdin, 30, args);
  }

  /** For the long commands (check perf runs a minute): bounded by {@code timeoutSeconds}. */
  Result runFor(long timeoutSeconds, String... args) {
    return run(null, timeoutSeconds, args);
  }

  private Result run(String stdin, long timeoutSeconds, String... args) {
    List<String> cmd = new ArrayList<>(List.of(BIN, "--endpoints=" + endpoint, "--dial-timeout=5s", "--command-timeout=10s"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_"));
    pb.environment().put("ETCDCTL_API", "3");
    try {
      Process p = pb.start();
      CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
      if (stdin != null) {
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("etcdctl timed out: " + cmd);
      }
      return new Result(p.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** A long-running etcdctl (watch, lease keep-alive) whose output is collected as it arrives. */
  final class Background implements AutoCloseable {
    private final Process process;
    private final StringBuffer out = new StringBuffer();
    private final Thread reader;

    private Background(Process process) {
      this.process = process;
      this.reader = new Thread(() -> {
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            out.append(line).append('\n');
          }
        } catch (IOException ignored) {
          // the process was stopped
        }
      }, "etcdctl-reader");
      reader.setDaemon(true);
      reader.start();
    }

    String output() {
      return out.toString();
    }

    void writeLine(String line) throws IOException {
      process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
    }

    /** Waits (bounded) until the output satisfies {@code done}; returns the output. */
    String awaitOutput(java.util.function.Predicate<String> done) {
      try {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
            .pollInterval(java.time.Duration.ofMillis(20)).until(() -> done.test(output()) || !process.isAlive());
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        throw new AssertionError("etcdctl output never got what was awaited; it was:\n" + output(), e);
      }
      return output();
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      reader.join(5000);
    }
  }

  Background start(String... args) {
    List<String> cmd = new ArrayList<>(List.of(BIN, "--endpoints=" + endpoint, "--dial-timeout=5s"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL_"));
    pb.environment().put("ETCDCTL_API", "3");
    try {
      return new Background(pb.start());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** All of a process stream as UTF-8 (the error text in its place if reading fails). */
  static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "<" + e + ">";
    }
  }
}
