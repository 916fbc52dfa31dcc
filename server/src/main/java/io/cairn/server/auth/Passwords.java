package io.cairn.server.auth;

import io.cairn.server.api.EtcdErrors;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Salted bcrypt hashes (Go's {@code $2a$} format, so etcd's stored hashes check here and ours there), computed on a
 * small pool with a short queue: bcrypt is slow on purpose, and a flood of Authenticate or UserAdd calls must not take
 * every CPU, so calls beyond the queue are refused with etcd's "too many requests".
 */
final class Passwords implements AutoCloseable {
  static final int DEFAULT_COST = 10;
  private static final int QUEUE = 16;

  private final int cost;
  private final SecureRandom random = new SecureRandom();
  private final ThreadPoolExecutor pool;

  Passwords(int cost, int threads) {
    // etcd falls back to the default for a cost bcrypt does not accept
    this.cost = cost < 4 || cost > 31 ? DEFAULT_COST : cost;
    this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE),
        r -> {
          Thread t = new Thread(r, "cairn-bcrypt");
          t.setDaemon(true);
          return t;
        });
  }

  int cost() {
    return cost;
  }

  /** The hash as etcd's UserAdd sends it through raft: base64 of the bcrypt string. */
  String hash(String password) {
    if (password.getBytes(StandardCharsets.UTF_8).length > 72) {
      throw EtcdErrors.auth(EtcdErrors.BCRYPT_TOO_LONG); // Go's bcrypt (etcd 3.6) refuses, it does not truncate
    }
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    String bcrypt = OpenBSDBCrypt.generate("2a", password.toCharArray(), salt, cost);
    return Base64.getEncoder().encodeToString(bcrypt.getBytes(StandardCharsets.US_ASCII));
  }

  /** Whether {@code password} matches the stored bcrypt string. */
  static boolean matches(byte[] storedHash, String password) {
    if (storedHash == null || storedHash.length == 0) {
      return false;
    }
    try {
      return OpenBSDBCrypt.checkPassword(new String(storedHash, StandardCharsets.US_ASCII), password.toCharArray());
    } catch (RuntimeException e) {
      return false; // not a bcrypt string, or a password bcrypt refuses: no match either way
    }
  }

  /** Runs {@code work} on the bcrypt pool; fails with "too many requests" when the pool's queue is full. */
  <T> CompletableFuture<T> submit(Supplier<T> work) {
    try {
      return CompletableFuture.supplyAsync(work, pool);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(
          io.grpc.Status.RESOURCE_EXHAUSTED.withDescription(EtcdErrors.TOO_MANY_REQUESTS).asRuntimeException());
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
