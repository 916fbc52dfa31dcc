package io.cairn.server;

import io.cairn.server.config.FlagException;
import io.cairn.server.config.FlagParser;
import io.cairn.server.config.ServerConfig;
import io.cairn.server.apply.SlowApplies;
import io.cairn.server.logging.LogSettings;
import io.cairn.server.logging.LogSetup;
import io.cairn.server.logging.ZapLevel;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code cairn} command: etcd's flags and ETCD_* variables in, a running member out; SIGTERM stops it cleanly.
 * {@code cairn snapshot ...} runs the offline backup tools instead.
 */
public final class Main {
  /** Held so the configured level sticks: java.util.logging keeps loggers only weakly. */
  private static final java.util.logging.Logger GRPC_NETTY_LOG = java.util.logging.Logger.getLogger("io.grpc.netty");

  private Main() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("snapshot")) {
      // offline tools (etcdutl's snapshot status/restore): quiet logs, an exit code
      installQuietly(new LogSettings(java.util.List.of("stderr"), ZapLevel.WARN, false));
      System.exit(io.cairn.server.backup.SnapshotCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length),
          System.out, System.err));
      return;
    }
    FlagParser.Parsed parsed;
    try {
      parsed = FlagParser.parse(args, System.getenv(), w -> System.err.println("cairn: " + w));
    } catch (FlagException e) {
      System.err.println("cairn: " + e.getMessage());
      System.err.println("Try 'cairn --help' for more information.");
      System.exit(2);
      return;
    }
    switch (parsed.action()) {
      case HELP -> {
        System.out.print(FlagParser.usage());
        return;
      }
      case VERSION -> {
        System.out.println("cairn Version: " + Versions.CAIRN);
        System.out.println("etcd API Version: " + Versions.ETCD_SERVER);
        System.out.println("Java Version: " + System.getProperty("java.version"));
        return;
      }
      default -> { }
    }
    ServerConfig cfg;
    try {
      cfg = ServerConfig.from(parsed.values());
    } catch (FlagException e) {
      System.err.println("cairn: " + e.getMessage());
      System.exit(2);
      return;
    }
    try {
      LogSetup.install(cfg.logs); // before anything of the member logs
    } catch (FlagException e) {
      System.err.println("cairn: " + e.getMessage());
      System.exit(2);
      return;
    }
    SlowApplies.configure(cfg.warningApplyDuration);
    // Netty's buffer leak detector samples allocations on every request path; it is a debugging aid
    // (turn it on with -Dio.netty.leakDetection.level=simple), not something a server runs with
    if (System.getProperty("io.netty.leakDetection.level") == null) {
      System.setProperty("io.netty.leakDetection.level", "disabled");
    }
    // grpc-java logs through java.util.logging: a client that goes away mid-stream is routine for a
    // watch server, not a warning worth a stack trace (etcd logs nothing then)
    GRPC_NETTY_LOG.setLevel(java.util.logging.Level.SEVERE);
    Logger log = LoggerFactory.getLogger(Main.class);
    CairnServer server;
    try {
      server = CairnServer.start(cfg);
    } catch (Exception e) {
      log.atError().addMarker(ZapLevel.FATAL_MARKER).setCause(e).log("cannot start");
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "cairn-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void installQuietly(LogSettings s) {
    try {
      LogSetup.install(s);
    } catch (FlagException e) {
      throw new IllegalStateException(e); // stderr always opens
    }
  }
}
