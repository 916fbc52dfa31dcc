package io.cairn.server.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.server.api.EtcdErrors;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReaderHandOffTest {
  private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> new Thread(r, "reader"));

  @AfterEach
  void stop() {
    reader.shutdownNow();
  }

  /**
   * The race that put reads on the apply thread, made certain: the reader runs each task and finishes before the
   * releasing thread's call to the pool returns. The read chained to the barrier must still run on the reader.
   */
  @Test
  void theReadRunsOnAReaderEvenWhenTheReaderFinishesFirst() throws Exception {
    Executor readerFinishesFirst = task -> {
      try {
        reader.submit(task).get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    CompletableFuture<Void> barrier = new CompletableFuture<>();
    CompletableFuture<String> readRanOn = new CompletableFuture<>();
    ReaderHandOff.onReader(barrier, readerFinishesFirst)
        .whenComplete((x, err) -> readRanOn.complete(Thread.currentThread().getName()));

    Thread apply = new Thread(() -> barrier.complete(null), "apply");
    apply.start();
    apply.join(5_000);

    assertThat(readRanOn.get(5, TimeUnit.SECONDS)).isEqualTo("reader");
  }

  @Test
  void aFullReadPoolFailsTheReadWithTooManyRequests() throws Exception {
    Executor full = task -> {
      throw new RejectedExecutionException("full");
    };
    CompletableFuture<Void> read = ReaderHandOff.onReader(CompletableFuture.completedFuture(null), full);

    Throwable err = read.handle((x, e) -> e).get(5, TimeUnit.SECONDS);
    Status s = Status.fromThrowable(EtcdErrors.toStatus(err));
    assertThat(s.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(s.getDescription()).isEqualTo("etcdserver: too many requests");
  }

  @Test
  void aFailedBarrierFailsTheReadWithoutRunningIt() throws Exception {
    CompletableFuture<Void> barrier = new CompletableFuture<>();
    CompletableFuture<Void> read = ReaderHandOff.onReader(barrier, reader);
    barrier.completeExceptionally(EtcdErrors.unavailable(EtcdErrors.TIMEOUT));

    Throwable err = read.handle((x, e) -> e).get(5, TimeUnit.SECONDS);
    assertThat(Status.fromThrowable(EtcdErrors.toStatus(err)).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }
}
