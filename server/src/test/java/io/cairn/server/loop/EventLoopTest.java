package io.cairn.server.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Commands run in order, then one step; a failure while running is reported once and ends the loop. */
class EventLoopTest {
  /** Records what the loop did, and fails on the command "boom". */
  static final class Recording implements EventLoop.Owner<String> {
    final List<String> seen = new CopyOnWriteArrayList<>();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();
    volatile boolean ended;

    @Override
    public void handle(String command) {
      if (command.equals("boom")) throw new IllegalStateException("boom");
      seen.add(command);
    }

    @Override
    public long step(boolean handled) {
      seen.add(handled ? "step" : "idle");
      return Duration.ofMinutes(1).toNanos(); // capped by the loop, so close is still noticed
    }

    @Override
    public void failed(Throwable cause) {
      failures.add(cause);
    }

    @Override
    public void ended() {
      ended = true;
    }
  }

  @Test
  void aTurnRunsEveryQueuedCommandInOrderThenOneStep() throws Exception {
    Recording owner = new Recording();
    EventLoop<String> loop = new EventLoop<>("test-loop", owner);
    loop.post("a");
    loop.post("b");
    loop.runOnce();
    loop.runOnce();
    assertThat(owner.seen).containsExactly("a", "b", "step", "idle");
    assertThat(loop.backlog()).isZero();
  }

  @Test
  void aFailureWhileRunningIsReportedOnceAndEndsTheLoop() {
    Recording owner = new Recording();
    EventLoop<String> loop = new EventLoop<>("test-loop", owner);
    loop.start();
    loop.post("a");
    loop.post("boom");
    loop.post("never");
    await().atMost(Duration.ofSeconds(10)).until(() -> owner.ended);
    assertThat(owner.failures).hasSize(1).first().hasToString("java.lang.IllegalStateException: boom");
    assertThat(owner.seen).contains("a").doesNotContain("never");
    assertThat(loop.isRunning()).isFalse();
    loop.close();
  }

  @Test
  void closeEndsTheThreadEvenWhileItWaits() {
    Recording owner = new Recording();
    EventLoop<String> loop = new EventLoop<>("test-loop", owner);
    loop.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> !owner.seen.isEmpty()); // in its (long) wait now
    loop.close();
    assertThat(owner.ended).isTrue();
    assertThat(owner.failures).isEmpty();
  }
}
