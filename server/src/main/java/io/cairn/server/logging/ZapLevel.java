package io.cairn.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.cairn.server.config.FlagException;
import java.util.List;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;

/**
 * zap's levels as etcd names them. SLF4J stops at ERROR, so a {@link #FATAL_MARKER} or {@link #PANIC_MARKER} on an
 * error event lifts it to zap's {@code fatal} or {@code panic} (a member that cannot start or go on).
 */
public enum ZapLevel {
  DEBUG(Level.DEBUG), INFO(Level.INFO), WARN(Level.WARN), ERROR(Level.ERROR), PANIC(Level.ERROR), FATAL(Level.ERROR);

  public static final Marker FATAL_MARKER = MarkerFactory.getMarker("FATAL");
  public static final Marker PANIC_MARKER = MarkerFactory.getMarker("PANIC");

  /** The logback level that lets this zap level's events through (the filter does the rest). */
  final Level logback;
  /** The name written in {@code "level"}. */
  final String text;

  ZapLevel(Level logback) {
    this.logback = logback;
    this.text = name().toLowerCase(java.util.Locale.ROOT);
  }

  public String text() {
    return text;
  }

  /** etcd's {@code --log-level} values; anything else is refused with etcd's message. */
  public static ZapLevel parse(String s) throws FlagException {
    for (ZapLevel l : values()) {
      if (l.text.equals(s)) {
        return l;
      }
    }
    // etcd 3.4 panics with this text (logutil.ConvertToZapLevel); there is no other wording to match
    throw new FlagException("unknown level \"" + s + "\"");
  }

  static ZapLevel of(ILoggingEvent e) {
    List<Marker> markers = e.getMarkerList();
    if (markers != null) {
      for (Marker m : markers) {
        if (m.contains(FATAL_MARKER)) {
          return FATAL;
        }
        if (m.contains(PANIC_MARKER)) {
          return PANIC;
        }
      }
    }
    return switch (e.getLevel().toInt()) {
      case Level.ERROR_INT -> ERROR;
      case Level.WARN_INT -> WARN;
      case Level.INFO_INT -> INFO;
      default -> DEBUG; // TRACE and DEBUG: zap has no trace
    };
  }
}
