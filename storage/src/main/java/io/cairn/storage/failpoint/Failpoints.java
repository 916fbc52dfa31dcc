package io.cairn.storage.failpoint;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named points in the code where a fault can be injected, in the manner of etcd's gofail: compiled in, inert unless
 * enabled (one volatile read). They are enabled only from the environment at start, for fault campaigns:
 *
 * <pre>CAIRN_FAILPOINTS="raftAfterSave=3*panic;applyBeforeCommit=sleep(200)"</pre>
 *
 * An action is {@code panic} (the process halts at once with status 2, as a crash at that instant would leave it:
 * nothing is flushed or closed), {@code powerloss} (as panic, but first everything written and not fsynced is dropped,
 * see {@link #powerLoss}), {@code error} (the point throws {@link FailpointException}), or
 * {@code sleep(ms)}. A prefix {@code N*} fires only on the N-th time the point is reached (counting from 1) and
 * never again; without it the point fires every time. The names are listed in {@link Point}.
 */
public final class Failpoints {
  private static final Logger LOG = LoggerFactory.getLogger(Failpoints.class);

  /** Every failpoint, with where it sits. */
  public enum Point {
    /** Raft thread: before a Ready's entries, hard state and snapshot are written to the WAL. */
    raftBeforeSave,
    /** Raft thread: after the WAL write and fsync, before messages that need it are sent. */
    raftAfterSave,
    /** Raft thread: before a leader's messages are queued to its peers. */
    raftBeforeLeaderSend,
    /** Apply thread: before a staged batch is written to the store. */
    applyBeforeCommit,
    /** Apply thread: after the batch is written, before clients are answered. */
    applyAfterCommit,
    /** Leader: between the chunks of a snapshot stream. */
    snapshotDuringSend,
    /** Follower: before an accepted snapshot replaces the store. */
    snapshotBeforeInstall,
    /** Follower: after the store was replaced, before the applied index is raised. */
    snapshotAfterInstall,
    /** Store: between the batches of a physical compaction. */
    compactBetweenBatches,
    /** Store: before a defragment's manual compaction. */
    defragBeforeCompact,
    /** Watch: before a response is sent on a watch stream. */
    watchBeforeSend
  }

  private record Action(String kind, long arg, long onHit) {}

  /** Undoes what was written but not made durable, as a power loss would; runs just before the process halts. */
  @FunctionalInterface
  public interface PowerLossHook {
    void dropUnsynced() throws java.io.IOException;
  }

  private static final java.util.List<PowerLossHook> POWER_LOSS = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** Whether this process runs a fault campaign (power-loss hooks are registered only then). */
  private static final boolean CAMPAIGN = System.getenv("CAIRN_FAILPOINTS") != null
      || System.getenv("CAIRN_PEER_FAULTS_FILE") != null;

  private static volatile boolean enabled;
  private static final Map<Point, Action> ACTIONS = new ConcurrentHashMap<>();
  private static final Map<Point, AtomicLong> HITS = new ConcurrentHashMap<>();

  static {
    String spec = System.getenv("CAIRN_FAILPOINTS");
    if (spec != null && !spec.isBlank()) {
      configure(spec);
    }
  }

  private Failpoints() {}

  /** Parses {@code name=[N*]action;…}; an unknown name or action is an error (a campaign must not silently test nothing). */
  public static void configure(String spec) {
    ACTIONS.clear();
    HITS.clear();
    for (String part : spec.split(";")) {
      if (part.isBlank()) {
        continue;
      }
      String[] kv = part.trim().split("=", 2);
      if (kv.length != 2) {
        throw new IllegalArgumentException("failpoint '" + part + "': expected name=action");
      }
      Point p = Point.valueOf(kv[0].trim());
      String a = kv[1].trim();
      long onHit = 0;
      int star = a.indexOf('*');
      if (star > 0) {
        onHit = Long.parseLong(a.substring(0, star));
        a = a.substring(star + 1);
      }
      Action action;
      if (a.equals("panic") || a.equals("error") || a.equals("powerloss")) {
        action = new Action(a, 0, onHit);
      } else if (a.startsWith("sleep(") && a.endsWith(")")) {
        action = new Action("sleep", Long.parseLong(a.substring(6, a.length() - 1)), onHit);
      } else {
        throw new IllegalArgumentException("failpoint " + p + ": unknown action '" + a + "'");
      }
      ACTIONS.put(p, action);
      HITS.put(p, new AtomicLong());
      LOG.warn("failpoint {} enabled: {}", p, kv[1].trim());
    }
    enabled = !ACTIONS.isEmpty();
  }

  /** Registers what a simulated power loss must undo (the WAL's unsynced tail, the store's unsynced log). */
  public static void onPowerLoss(PowerLossHook hook) {
    if (CAMPAIGN) {
      POWER_LOSS.add(hook);
    }
  }

  /**
   * Simulated power loss: everything written but not fsynced is dropped (by the registered hooks) and the process
   * halts at once, as if the machine lost power.
   */
  public static void powerLoss() {
    LOG.error("simulated power loss: dropping unsynced writes and halting");
    for (PowerLossHook h : POWER_LOSS) {
      try {
        h.dropUnsynced();
      } catch (java.io.IOException | RuntimeException e) {
        LOG.error("power loss hook failed: {}", e.toString());
      }
    }
    Runtime.getRuntime().halt(3);
  }

  /** Turns every failpoint off (tests). */
  public static void reset() {
    enabled = false;
    ACTIONS.clear();
    HITS.clear();
  }

  /** Reached a failpoint: does nothing unless it is enabled. */
  public static void hit(Point p) {
    if (!enabled) {
      return;
    }
    Action a = ACTIONS.get(p);
    if (a == null) {
      return;
    }
    long n = HITS.get(p).incrementAndGet();
    if (a.onHit() > 0 && n != a.onHit()) {
      return;
    }
    switch (a.kind()) {
      case "panic" -> {
        LOG.error("failpoint {} fired: panic (halting the process)", p);
        Runtime.getRuntime().halt(2);
      }
      case "error" -> throw new FailpointException(p);
      case "powerloss" -> powerLoss();
      default -> LockSupport.parkNanos(a.arg() * 1_000_000L);
    }
  }

  /** What an {@code error} failpoint throws. */
  public static final class FailpointException extends RuntimeException {
    FailpointException(Point p) {
      super("failpoint " + p + " fired: error");
    }
  }
}
