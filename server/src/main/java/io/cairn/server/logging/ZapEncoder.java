package io.cairn.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.slf4j.event.KeyValuePair;

/**
 * etcd's log lines (zap with etcd's encoder settings), one event a line:
 * {@code {"level":"info","ts":"...","caller":"raft/RaftLoop.java:120","msg":"...",<fields>}} for {@code json},
 * or zap's console form (ts, level, caller and msg tab-separated, then the fields as one JSON object) for
 * {@code console}. Fields are the SLF4J 2 key-value pairs ({@code log.atInfo().addKeyValue(k, v)}), in the order
 * added; a logged throwable becomes {@code "error"}, with {@code "stacktrace"} at error level and above.
 *
 * <p>{@code caller} costs a stack walk per event (logback's caller data): affordable because Cairn logs per
 * significant event (an election, a snapshot, a compaction), never per request.
 */
public final class ZapEncoder extends EncoderBase<ILoggingEvent> {
  /** etcd's layout {@code 2006-01-02T15:04:05.000000Z0700}: microseconds, "Z" in UTC, else +hhmm. */
  static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXX");

  private boolean console;
  private ZoneId zone = ZoneId.systemDefault();

  /** {@code json} (the default) or {@code console}; settable from logback.xml. */
  public void setFormat(String format) {
    console = "console".equals(format);
  }

  /** Tests pin the zone; a member writes in its local zone, as Go's time.Now() does. */
  void setZone(ZoneId zone) {
    this.zone = zone;
  }

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent e) {
    return line(e).getBytes(StandardCharsets.UTF_8);
  }

  String line(ILoggingEvent e) {
    ZapLevel level = ZapLevel.of(e);
    String ts = TS.format(e.getInstant().atZone(zone));
    String caller = caller(e.getCallerData());
    String stack = level.compareTo(ZapLevel.ERROR) >= 0 && e.getThrowableProxy() != null
        ? ThrowableProxyUtil.asString(e.getThrowableProxy()) : null;
    StringBuilder sb = new StringBuilder(256);
    if (console) {
      sb.append(ts).append('\t').append(level.text).append('\t');
      if (caller != null) {
        sb.append(caller).append('\t');
      }
      sb.append(e.getFormattedMessage());
      if (hasFields(e)) {
        sb.append('\t').append('{');
        fields(sb, e, false);
        sb.append('}');
      }
      if (stack != null) {
        sb.append('\n').append(stack.stripTrailing());
      }
    } else {
      sb.append("{\"level\":\"").append(level.text).append("\",\"ts\":\"").append(ts).append('"');
      if (caller != null) {
        sb.append(",\"caller\":");
        ZapJson.string(sb, caller);
      }
      sb.append(",\"msg\":");
      ZapJson.string(sb, e.getFormattedMessage() == null ? "" : e.getFormattedMessage());
      fields(sb, e, true);
      if (stack != null) {
        sb.append(",\"stacktrace\":");
        ZapJson.string(sb, stack.stripTrailing());
      }
      sb.append('}');
    }
    return sb.append('\n').toString();
  }

  private static boolean hasFields(ILoggingEvent e) {
    List<KeyValuePair> kvs = e.getKeyValuePairs();
    return (kvs != null && !kvs.isEmpty()) || e.getThrowableProxy() != null;
  }

  /** The key-value pairs, then the throwable's text as {@code "error"} (unless a pair already named it). */
  private static void fields(StringBuilder sb, ILoggingEvent e, boolean leadingComma) {
    boolean first = !leadingComma;
    boolean hasError = false;
    List<KeyValuePair> kvs = e.getKeyValuePairs();
    if (kvs != null) {
      for (KeyValuePair kv : kvs) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        ZapJson.string(sb, kv.key).append(':');
        ZapJson.value(sb, kv.value);
        hasError |= "error".equals(kv.key);
      }
    }
    IThrowableProxy t = e.getThrowableProxy();
    if (t != null && !hasError) {
      if (!first) {
        sb.append(',');
      }
      sb.append("\"error\":");
      ZapJson.string(sb, t instanceof ThrowableProxy p ? ZapJson.errorText(p.getThrowable())
          : t.getMessage() != null ? t.getMessage() : t.getClassName());
    }
  }

  /** zap's short caller, {@code package/File.go:line}: here the last package segment, the source file and line. */
  static String caller(StackTraceElement[] callerData) {
    if (callerData == null || callerData.length == 0) {
      return null;
    }
    StackTraceElement f = callerData[0];
    String cls = f.getClassName();
    int dot = cls.lastIndexOf('.');
    String pkg = dot < 0 ? "" : cls.substring(cls.lastIndexOf('.', dot - 1) + 1, dot + 1).replace('.', '/');
    String file = f.getFileName();
    if (file == null) {
      String simple = cls.substring(dot + 1);
      int inner = simple.indexOf('$');
      file = (inner < 0 ? simple : simple.substring(0, inner)) + ".java";
    }
    return pkg + file + ":" + f.getLineNumber();
  }
}
