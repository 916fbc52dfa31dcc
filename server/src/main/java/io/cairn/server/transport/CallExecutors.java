package io.cairn.server.transport;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where a gRPC server runs each call's handler. Methods whose handlers only validate and hand the request on
 * (propose it, post it to the raft thread) run on the transport's event loop: a thread hand-off per request costs a
 * wake-up and a context switch, which measured as a quarter of the leader's CPU per put. Every other method (one that
 * may wait on disk, a lock, a peer or a password hash) runs on a pool of its own, as every call did before.
 *
 * <p>Install with {@code builder.directExecutor().callExecutor(executors)}: the method lookup then happens on the
 * event loop, and only calls of the other methods move to the pool.
 */
public final class CallExecutors implements ServerCallExecutorSupplier, AutoCloseable {
  private final Set<String> onEventLoop;
  private final ExecutorService pool;

  /** @param onEventLoop full method names ({@code service/method}) whose handlers never block */
  public CallExecutors(String name, Set<String> onEventLoop) {
    this.onEventLoop = Set.copyOf(onEventLoop);
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public <ReqT, RespT> java.util.concurrent.Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
    return onEventLoop.contains(call.getMethodDescriptor().getFullMethodName()) ? null : pool;
  }

  @Override
  public void close() {
    pool.shutdownNow();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
