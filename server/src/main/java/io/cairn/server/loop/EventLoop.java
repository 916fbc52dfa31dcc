package io.cairn.server.loop;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that owns some state and is reached only through its inbox (the raft node and the WAL; the apply
 * batch; the watch streams). It runs the commands posted to it in order, then a step of its owner's (persist and
 * send; write the batch; dispatch events), then waits for more for as long as the owner allows.
 *
 * <p>Anything thrown out of the owner while the loop runs is fatal: the loop ends and its owner hears it once, so
 * that the member can stop instead of half-running. Tests build the owner without starting the thread and drive it
 * with {@link #runOnce()} on their own thread, deterministically.
 *
 * <p>The inbox is not bounded here: what may be posted is bounded where it is admitted (the proposal backlog, the
 * watch and stream limits).
 */
public final class EventLoop<T> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);
  /** The longest wait, so that a close is noticed without an interrupt (which would close a file channel). */
  private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** The state the loop's thread owns. */
  public interface Owner<T> {
    /** One command from the inbox. */
    void handle(T command) throws Exception;

    /**
     * After the inbox is drained, and after a wait that brought nothing: the owner's own work.
     *
     * @param handled whether any command ran since the last step
     * @return how long the loop may wait for a command before stepping again, in nanoseconds (0: step again at once)
     */
    long step(boolean handled) throws Exception;

    /** The loop failed while running (an exception or error out of handle or step); called once, on its thread. */
    void failed(Throwable cause);

    /** The loop's thread is about to end (closed or failed): release what it owns. */
    default void ended() {}
  }

  private final Owner<T> owner;
  private final LinkedBlockingQueue<T> inbox = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean running = true;
  private long waitNanos;

  public EventLoop(String name, Owner<T> owner) {
    this.owner = owner;
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  /** From any thread. */
  public void post(T command) {
    inbox.add(command);
  }

  /** Commands posted and not yet run. */
  public int backlog() {
    return inbox.size();
  }

  public boolean isRunning() {
    return running;
  }

  /** One turn without waiting, on the caller's thread: what is queued, then the owner's step. For tests. */
  public void runOnce() throws Exception {
    turn(0);
  }

  private void turn(long wait) throws Exception {
    T command = wait > 0 ? inbox.poll(wait, TimeUnit.NANOSECONDS) : inbox.poll();
    boolean handled = false;
    for (; command != null; command = inbox.poll()) {
      owner.handle(command);
      handled = true;
    }
    waitNanos = owner.step(handled);
  }

  private void run() {
    try {
      while (running) {
        turn(Math.min(Math.max(waitNanos, 0), MAX_WAIT_NANOS));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable e) {
      if (running) {
        running = false;
        owner.failed(e);
      } else {
        LOG.warn("{} stopped while closing: {}", thread.getName(), e.toString());
      }
    } finally {
      owner.ended();
    }
  }

  /** Stops the loop after its current turn and waits (bounded) for its thread to end. */
  @Override
  public void close() {
    running = false;
    if (Thread.currentThread() == thread || !thread.isAlive()) {
      return;
    }
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
