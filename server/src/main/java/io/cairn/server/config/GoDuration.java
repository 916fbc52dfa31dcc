package io.cairn.server.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses Go's {@code time.ParseDuration} syntax ("5s", "1h30m", "100ms"), as etcd's flags use it. */
public final class GoDuration {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

  private GoDuration() {}

  public static Duration parse(String flag, String text) throws FlagException {
    String s = text.trim();
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    Matcher m = PART.matcher(s);
    int pos = 0;
    double nanos = 0;
    while (pos < s.length()) {
      if (!m.find(pos) || m.start() != pos) {
        throw new FlagException("invalid value \"" + text + "\" for flag -" + flag + ": parse error");
      }
      double n = Double.parseDouble(m.group(1));
      nanos += n * switch (m.group(2)) {
        case "ns" -> 1L;
        case "us", "µs" -> 1_000L;
        case "ms" -> 1_000_000L;
        case "s" -> 1_000_000_000L;
        case "m" -> 60_000_000_000L;
        default -> 3_600_000_000_000L;
      };
      pos = m.end();
    }
    if (pos == 0) {
      throw new FlagException("invalid value \"" + text + "\" for flag -" + flag + ": parse error");
    }
    return Duration.ofNanos((long) nanos);
  }
}
