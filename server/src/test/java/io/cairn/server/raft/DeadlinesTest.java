package io.cairn.server.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DeadlinesTest {
  @Test
  void onlyFuturesPastTheirDeadlineAndStillPendingFail() {
    AtomicLong now = new AtomicLong(1_000);
    Deadlines d = new Deadlines(100, now::get);
    CompletableFuture<String> first = d.track(new CompletableFuture<>());
    now.addAndGet(50);
    CompletableFuture<String> answered = d.track(new CompletableFuture<>());
    CompletableFuture<String> second = d.track(new CompletableFuture<>());
    answered.complete("ok");

    now.set(1_099);
    d.expire();
    assertThat(first).isNotDone();

    now.set(1_100);
    d.expire();
    assertThat(first).isCompletedExceptionally();
    assertThat(first.handle((v, e) -> e).join()).isInstanceOf(TimeoutException.class);
    assertThat(second).isNotDone();

    now.set(1_150);
    d.expire();
    assertThat(second).isCompletedExceptionally();
    assertThat(answered.join()).isEqualTo("ok");
  }

  @Test
  void anAnsweredFutureIsNotFailedAgain() {
    AtomicLong now = new AtomicLong(0);
    Deadlines d = new Deadlines(100, now::get);
    AtomicLong failures = new AtomicLong();
    CompletableFuture<String> answered = new CompletableFuture<>() {
      @Override
      public boolean completeExceptionally(Throwable ex) {
        failures.incrementAndGet();
        return super.completeExceptionally(ex);
      }
    };
    d.track(answered).complete("ok");

    now.set(100);
    d.expire();

    assertThat(failures).hasValue(0); // no TimeoutException made for it
    assertThat(answered.join()).isEqualTo("ok");
  }
}
