package io.cairn.server.transport;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that read the store for clients' ranges and read-only txns. Reads leave the transport's event loop
 * (a large range would hold up every connection on it) and the raft and apply threads, which complete read barriers
 * and must not be held up by the reads waiting on them. Bounded in threads and queue: a read that finds the queue
 * full is refused (etcd's "too many requests"), never buffered without limit.
 */
public final class ReadPool implements Executor, AutoCloseable {
  /** Reads queued at most; beyond it clients are told to back off. */
  static final int QUEUE = 16_384;
  private final ThreadPoolExecutor pool;

  public ReadPool(int threads) {
    AtomicInteger n = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
      Thread t = new Thread(r, "cairn-read-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    pool.allowCoreThreadTimeOut(true);
  }

  /** Threads for this machine: reads are CPU work on a warm block cache, and may wait on a cold one. */
  public static ReadPool forThisMachine() {
    return new ReadPool(Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
  }

  /** @throws RejectedExecutionException when the queue is full or the pool is closed */
  @Override
  public void execute(Runnable read) {
    pool.execute(read);
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
