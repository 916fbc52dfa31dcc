package io.cairn.server.config;

/**
 * etcd's parseCompactionRetention: a non-negative integer is hours in periodic mode and revisions in revision mode;
 * anything else is a Go duration (and in revision mode, etcd then uses its nanoseconds as a revision count).
 */
final class CompactionRetention {
  private CompactionRetention() {}

  /** Periodic: the period in nanoseconds; revision: revisions to keep. 0: auto-compaction is off. */
  static long parse(String mode, String text) throws FlagException {
    String s = text.trim();
    Long n = atoi(s);
    if (n != null && n >= 0) {
      return mode.equals("revision") ? n : Math.multiplyExact(n, 3_600_000_000_000L);
    }
    try {
      return GoDuration.parse("auto-compaction-retention", s).toNanos();
    } catch (FlagException e) {
      throw new FlagException("error parsing CompactionRetention: time: invalid duration \"" + text + "\"");
    }
  }

  /** Go's strconv.Atoi: an optional sign and decimal digits. */
  private static Long atoi(String s) {
    if (!s.matches("[+-]?\\d+")) {
      return null;
    }
    try {
      return Long.parseLong(s.startsWith("+") ? s.substring(1) : s);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
