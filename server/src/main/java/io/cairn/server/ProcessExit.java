package io.cairn.server;

import io.cairn.server.raft.MemberStop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the process when a member cannot go on, as etcd does: the reason is logged, then the JVM exits with the given
 * status (the shutdown hook closes what it can). Should closing hang, the process is halted after a grace period:
 * it must never half-run.
 */
final class ProcessExit implements MemberStop {
  static final ProcessExit INSTANCE = new ProcessExit();
  private static final Logger LOG = LoggerFactory.getLogger(ProcessExit.class);
  private static final long GRACE_MS = 10_000;

  private ProcessExit() {}

  @Override
  public void stop(int exitCode, String reason, Throwable cause) {
    if (exitCode == 0) {
      LOG.warn("stopping: {}", reason);
    } else {
      // zap's fatal level, as etcd's lg.Fatal: the last line before the process exits non-zero
      LOG.atError().addMarker(io.cairn.server.logging.ZapLevel.FATAL_MARKER).setCause(cause)
          .log("{}; this member stops", reason);
    }
    Thread halt = new Thread(() -> {
      try {
        Thread.sleep(GRACE_MS);
      } catch (InterruptedException ignored) {
        // exit anyway
      }
      Runtime.getRuntime().halt(exitCode);
    }, "cairn-halt");
    halt.setDaemon(true);
    halt.start();
    // System.exit blocks until the shutdown hooks ran: never on the thread that found the failure
    Thread exit = new Thread(() -> System.exit(exitCode), "cairn-exit");
    exit.start();
  }
}
