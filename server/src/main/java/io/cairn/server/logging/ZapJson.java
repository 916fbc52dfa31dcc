package io.cairn.server.logging;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;

/** Writes field values as zap's JSON encoder does: strings escaped as zap escapes them, durations as Go writes them. */
final class ZapJson {
  private ZapJson() {}

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** {@code s} as a JSON string: quotes, backslashes and control characters escaped; a lone surrogate becomes U+FFFD. */
  static StringBuilder string(StringBuilder sb, CharSequence s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
          } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            sb.append(c).append(s.charAt(++i));
          } else if (Character.isSurrogate(c)) {
            sb.append('\ufffd'); // not encodable as UTF-8; zap writes invalid UTF-8 the same way
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"');
  }

  /** Any value a log statement passes: numbers and booleans bare, collections as arrays, the rest as strings. */
  static StringBuilder value(StringBuilder sb, Object v) {
    if (v == null) {
      return sb.append("null");
    }
    if (v instanceof CharSequence s) {
      return string(sb, s);
    }
    if (v instanceof Boolean || v instanceof Integer || v instanceof Long || v instanceof Short
        || v instanceof Byte || v instanceof BigInteger || v instanceof java.util.concurrent.atomic.AtomicLong
        || v instanceof java.util.concurrent.atomic.AtomicInteger) {
      return sb.append(v);
    }
    if (v instanceof Double || v instanceof Float || v instanceof BigDecimal) {
      return number(sb, (Number) v);
    }
    if (v instanceof Duration d) {
      return string(sb, GoDurations.format(d));
    }
    if (v instanceof Throwable t) {
      return string(sb, errorText(t));
    }
    if (v instanceof Map<?, ?> m) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        string(sb, String.valueOf(e.getKey())).append(':');
        value(sb, e.getValue());
      }
      return sb.append('}');
    }
    if (v instanceof Iterable<?> it) {
      sb.append('[');
      boolean first = true;
      for (Object o : it) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        value(sb, o);
      }
      return sb.append(']');
    }
    if (v instanceof Object[] arr) {
      return value(sb, java.util.Arrays.asList(arr));
    }
    if (v instanceof long[] arr) {
      return value(sb, java.util.Arrays.stream(arr).boxed().toList());
    }
    return string(sb, v.toString());
  }

  /** What zap.Error writes: the error's text alone. */
  static String errorText(Throwable t) {
    String m = t.getMessage();
    return m != null ? m : t.getClass().getName();
  }

  /** Go's strconv 'f' with the shortest digits; NaN and the infinities as zap writes them, quoted. */
  private static StringBuilder number(StringBuilder sb, Number n) {
    if (n instanceof BigDecimal b) {
      return sb.append(b.stripTrailingZeros().toPlainString());
    }
    double d = n.doubleValue();
    if (Double.isNaN(d)) {
      return sb.append("\"NaN\"");
    }
    if (Double.isInfinite(d)) {
      return sb.append(d > 0 ? "\"+Inf\"" : "\"-Inf\"");
    }
    String shortest = n instanceof Float ? Float.toString(n.floatValue()) : Double.toString(d);
    String plain = new BigDecimal(shortest).stripTrailingZeros().toPlainString();
    return sb.append(plain.equals("-0") ? "0" : plain);
  }
}
