package io.cairn.server.logging;

import io.cairn.server.config.FlagException;
import java.util.List;
import java.util.TreeSet;

/**
 * {@code --logger}, {@code --log-outputs}, {@code --log-level}, {@code --log-format}, checked in etcd's order with
 * etcd's messages (embed.Config.setupLogging): the logger, then {@code default} among other outputs, then the level,
 * then the format. Outputs that cannot be opened are refused when they are opened ({@link LogSetup}).
 *
 * @param outputs deduplicated and sorted, as etcd's flag parser leaves them: {@code stderr}, {@code stdout}, file
 *     paths ({@code default} is stderr; {@code /dev/null} alone means no output)
 */
public record LogSettings(List<String> outputs, ZapLevel level, boolean console) {
  public static final String DEFAULT_OUTPUT = "default";

  /** What a member logs with before its flags are read, and what {@code logback.xml} says. */
  public static final LogSettings DEFAULTS = new LogSettings(List.of("stderr"), ZapLevel.INFO, false);

  public static LogSettings parse(String logger, String outputs, String level, String format) throws FlagException {
    if ("capnslog".equals(logger)) {
      throw new FlagException("--logger=capnslog is removed in v3.5");
    }
    if (!"zap".equals(logger)) {
      throw new FlagException("unknown logger option \"" + logger + "\"");
    }
    TreeSet<String> unique = new TreeSet<>();
    for (String s : (outputs == null ? "" : outputs).split(",")) {
      if (!s.isEmpty()) {
        unique.add(s);
      }
    }
    if (unique.isEmpty()) {
      unique.add(DEFAULT_OUTPUT);
    }
    if (unique.size() > 1 && unique.contains(DEFAULT_OUTPUT)) {
      throw new FlagException("multi logoutput for \"default\" is not supported yet");
    }
    if (unique.contains("/dev/null")) {
      unique.clear(); // zap's rule: /dev/null among the outputs discards everything
      unique.add("/dev/null");
    }
    ZapLevel lvl = ZapLevel.parse(level);
    boolean console = switch (format == null ? "" : format) {
      case "json", "" -> false;
      case "console" -> true;
      default -> throw new FlagException("unknown log format: " + format + ", supported values json, console");
    };
    List<String> resolved = unique.stream().map(s -> s.equals(DEFAULT_OUTPUT) ? "stderr" : s).distinct().sorted()
        .toList();
    return new LogSettings(resolved, lvl, console);
  }
}
