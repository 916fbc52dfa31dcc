package io.cairn.server.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RequestWaitsTest {
  @Test
  void anAnsweredWaitsDeadlineMakesNoError() {
    RequestWaits waits = new RequestWaits();
    AtomicInteger made = new AtomicInteger();
    CompletableFuture<Message> answered = waits.register(1);
    waits.take(1).complete(null);

    waits.fail(1, () -> {
      made.incrementAndGet();
      return new TimeoutException();
    });

    assertThat(made).hasValue(0);
    assertThat(answered).isCompleted();
    assertThat(answered.isCompletedExceptionally()).isFalse();
  }

  @Test
  void aPendingWaitFailsOnceWithTheErrorMadeForIt() {
    RequestWaits waits = new RequestWaits();
    AtomicInteger made = new AtomicInteger();
    CompletableFuture<Message> pending = waits.register(2);

    for (int i = 0; i < 2; i++) {
      waits.fail(2, () -> {
        made.incrementAndGet();
        return new TimeoutException();
      });
    }

    assertThat(made).hasValue(1);
    assertThat(pending.handle((v, e) -> e).join()).isInstanceOf(TimeoutException.class);
    assertThat(waits.isWaiting(2)).isFalse();
  }
}
