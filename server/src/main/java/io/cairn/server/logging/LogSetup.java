package io.cairn.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import io.cairn.server.config.FlagException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces logback's configuration with the flags' one, before the member logs anything: one appender per output,
 * each with the zap encoder and the level filter; gRPC and Netty stay at WARN (their INFO is per connection).
 */
public final class LogSetup {
  private LogSetup() {}

  /** Installs {@code s}; refuses (with zap's message) an output file that cannot be opened for appending. */
  public static void install(LogSettings s) throws FlagException {
    for (String out : s.outputs()) {
      if (!isStream(out) && !out.equals("/dev/null")) {
        checkOpens(out);
      }
    }
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    ctx.reset();
    ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    for (String out : s.outputs()) {
      if (!out.equals("/dev/null")) {
        root.addAppender(appender(ctx, out, s));
      }
    }
    root.setLevel(s.level().logback);
    ctx.getLogger("io.grpc").setLevel(Level.WARN);
    ctx.getLogger("io.netty").setLevel(Level.WARN);
  }

  private static boolean isStream(String out) {
    return out.equals("stderr") || out.equals("stdout");
  }

  private static OutputStreamAppender<ILoggingEvent> appender(LoggerContext ctx, String out, LogSettings s) {
    OutputStreamAppender<ILoggingEvent> a;
    if (isStream(out)) {
      ConsoleAppender<ILoggingEvent> c = new ConsoleAppender<>();
      c.setTarget(out.equals("stdout") ? "System.out" : "System.err");
      a = c;
    } else {
      FileAppender<ILoggingEvent> f = new FileAppender<>();
      f.setFile(out);
      f.setAppend(true);
      a = f;
    }
    a.setContext(ctx);
    a.setName(out);
    ZapEncoder enc = new ZapEncoder();
    enc.setContext(ctx);
    enc.setFormat(s.console() ? "console" : "json");
    enc.start();
    a.setEncoder(enc);
    a.setImmediateFlush(true); // a line per significant event: each reaches the file before the next step
    ZapLevelFilter filter = new ZapLevelFilter();
    filter.setThreshold(s.level());
    filter.start();
    a.addFilter(filter);
    a.start();
    return a;
  }

  /** zap opens file sinks with O_APPEND|O_CREATE; a path it cannot open is refused as Go words it. */
  private static void checkOpens(String out) throws FlagException {
    try (OutputStream os = Files.newOutputStream(Path.of(out), StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      os.flush();
    } catch (IOException e) {
      String why = e instanceof NoSuchFileException ? "no such file or directory"
          : e instanceof AccessDeniedException ? "permission denied"
          : e instanceof FileSystemException f && f.getReason() != null ? f.getReason().toLowerCase(java.util.Locale.ROOT)
          : String.valueOf(e.getMessage());
      throw new FlagException("open sink \"" + out + "\": open " + out + ": " + why);
    }
  }
}
