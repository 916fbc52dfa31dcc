package io.cairn.server.apply;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's {@code "apply request took too long"} warning: a request whose apply took longer than
 * {@code --warning-apply-duration} is logged with {@code took}, {@code expected-duration}, {@code prefix},
 * {@code request} and {@code response} ({@code size:N}). Values and passwords are left out of {@code request}, as
 * etcd's redacted request strings do ({@code value_size:N}).
 */
public final class SlowApplies {
  private static final Logger LOG = LoggerFactory.getLogger(SlowApplies.class);

  /** Process-wide, as the flag is: one member a process (set by Main before the member starts). */
  private static volatile long thresholdNanos = Duration.ofMillis(100).toNanos();

  private SlowApplies() {}

  public static void configure(Duration threshold) {
    thresholdNanos = threshold.toNanos();
  }

  /** Logs when the apply that started at {@code startedNanos} took too long; {@code error} may be null. */
  static void check(long startedNanos, Message request, Message response, Throwable error) {
    long took = System.nanoTime() - startedNanos;
    long limit = thresholdNanos;
    if (took <= limit) {
      return;
    }
    var b = LOG.atWarn()
        .addKeyValue("took", Duration.ofNanos(took))
        .addKeyValue("expected-duration", Duration.ofNanos(limit))
        .addKeyValue("prefix", "")
        .addKeyValue("request", text(request))
        .addKeyValue("response", response == null ? "" : "size:" + response.getSerializedSize());
    if (error != null) {
      b = b.addKeyValue("error", error);
    }
    b.log("apply request took too long");
  }

  /** Protobuf's short text form with each bytes {@code value} as {@code value_size:N} and passwords left out. */
  static String text(Message m) {
    StringBuilder sb = new StringBuilder();
    append(sb, m);
    return sb.toString().trim();
  }

  private static void append(StringBuilder sb, Message m) {
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      List<?> values = f.isRepeated() ? (List<?>) e.getValue() : List.of(e.getValue());
      for (Object v : values) {
        if (f.getName().equals("value") && v instanceof ByteString bs) {
          sb.append("value_size:").append(bs.size()).append(' ');
        } else if (f.getName().equals("password") || f.getName().equals("hashedPassword")) {
          sb.append(f.getName()).append(":<redacted> ");
        } else if (v instanceof Message sub) {
          sb.append(f.getName()).append(":<");
          append(sb, sub);
          sb.append("> ");
        } else if (v instanceof ByteString bs) {
          sb.append(f.getName()).append(":\"").append(TextFormat.escapeBytes(bs)).append("\" ");
        } else if (v instanceof String s) {
          sb.append(f.getName()).append(":\"").append(TextFormat.escapeDoubleQuotesAndBackslashes(s)).append("\" ");
        } else if (v instanceof Long l && (f.getType() == FieldDescriptor.Type.UINT64
            || f.getType() == FieldDescriptor.Type.FIXED64)) {
          sb.append(f.getName()).append(':').append(Long.toUnsignedString(l)).append(' '); // Go's uint64
        } else {
          sb.append(f.getName()).append(':').append(v).append(' ');
        }
      }
    }
  }
}
