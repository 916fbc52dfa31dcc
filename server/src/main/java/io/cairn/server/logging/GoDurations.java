package io.cairn.server.logging;

import java.time.Duration;

/** Go's {@code time.Duration.String()}: how zap (and so etcd) writes {@code took} and other durations. */
final class GoDurations {
  private GoDurations() {}

  static String format(Duration d) {
    long n;
    try {
      n = d.toNanos();
    } catch (ArithmeticException e) {
      n = d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE; // Go's Duration is int64 nanoseconds too
    }
    if (n == 0) {
      return "0s";
    }
    StringBuilder sb = new StringBuilder();
    boolean neg = n < 0;
    // unsigned magnitude: Long.MIN_VALUE has none as a positive long
    long u = neg ? -n : n;
    if (u >= 0 && u < 1_000_000_000L) {
      if (u < 1_000) {
        sb.append(u).append("ns");
      } else if (u < 1_000_000) {
        fraction(sb, u, 3).append("µs");
      } else {
        fraction(sb, u, 6).append("ms");
      }
    } else {
      long secsNanos = Long.remainderUnsigned(u, 60_000_000_000L);
      long mins = Long.divideUnsigned(u, 60_000_000_000L);
      long hours = mins / 60;
      mins %= 60;
      if (hours > 0) {
        sb.append(hours).append('h');
      }
      if (hours > 0 || mins > 0) {
        sb.append(mins).append('m');
      }
      fraction(sb, secsNanos, 9).append('s');
    }
    return neg ? "-" + sb : sb.toString();
  }

  /** {@code v / 10^digits} with the fraction's trailing zeros (and a bare point) left out. */
  private static StringBuilder fraction(StringBuilder sb, long v, int digits) {
    long scale = (long) Math.pow(10, digits);
    sb.append(v / scale);
    long frac = v % scale;
    if (frac != 0) {
      String f = String.format("%0" + digits + "d", frac);
      int end = f.length();
      while (f.charAt(end - 1) == '0') {
        end--;
      }
      sb.append('.').append(f, 0, end);
    }
    return sb;
  }
}
