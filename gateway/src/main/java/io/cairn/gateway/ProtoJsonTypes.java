package io.cairn.gateway;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JSON value kinds protojson (etcd 3.6's unmarshaller) accepts for each field, checked before
 * JsonFormat converts the request, which is laxer: through Gson it takes a one-element array for a
 * singular field ({"key":["Zm9v"]}), a number for a string or bytes field ({"key":1234}), a string
 * for a bool ({"keys_only":"true"}), and silently keeps the last of duplicate fields. etcd (3.4 and
 * 3.6) refuses all of these. Unknown fields are skipped, as etcd's DiscardUnknown does.
 *
 * <p>The input has passed {@link GoJsonScanner} already, so this reader can trust the syntax.
 */
final class ProtoJsonTypes {
  private static final Map<Descriptor, Map<String, FieldDescriptor>> FIELDS = new ConcurrentHashMap<>();
  private static final int MAX_MESSAGE_DEPTH = 100;

  private final String s;
  private int p;

  private ProtoJsonTypes(String s) {
    this.s = s;
  }

  /** Checks one syntactically valid JSON value; only an object is looked at (others fail later). */
  static void check(String json, Descriptor type) throws JsonCodec.BadJsonException {
    ProtoJsonTypes r = new ProtoJsonTypes(json);
    r.ws();
    if (r.p < json.length() && json.charAt(r.p) == '{') {
      try {
        r.message(type, 0);
      } catch (IndexOutOfBoundsException e) {
        throw new JsonCodec.BadJsonException("unexpected EOF");
      }
    }
  }

  private void message(Descriptor type, int depth) throws JsonCodec.BadJsonException {
    if (depth > MAX_MESSAGE_DEPTH) {
      throw new JsonCodec.BadJsonException("exceeded max recursion depth");
    }
    p++; // {
    Set<Integer> seen = new HashSet<>();
    Map<String, FieldDescriptor> fields = fields(type);
    ws();
    if (s.charAt(p) == '}') {
      p++;
      return;
    }
    while (true) {
      ws();
      String name = string();
      ws();
      p++; // :
      ws();
      FieldDescriptor f = fields.get(name);
      if (f == null) {
        skipValue();
      } else {
        if (!seen.add(f.getNumber())) {
          throw new JsonCodec.BadJsonException("duplicate field \"" + name + "\"");
        }
        if (s.startsWith("null", p)) {
          p += 4;
        } else if (f.isRepeated()) {
          if (s.charAt(p) != '[') {
            throw unexpected(f);
          }
          p++;
          ws();
          if (s.charAt(p) == ']') {
            p++;
          } else {
            while (true) {
              ws();
              value(f, depth);
              ws();
              if (s.charAt(p++) == ']') {
                break;
              }
            }
          }
        } else {
          value(f, depth);
        }
      }
      ws();
      if (s.charAt(p++) == '}') {
        return;
      }
    }
  }

  private void value(FieldDescriptor f, int depth) throws JsonCodec.BadJsonException {
    char c = s.charAt(p);
    boolean ok =
        switch (f.getJavaType()) {
          case MESSAGE -> c == '{';
          case BOOLEAN -> c == 't' || c == 'f';
          case STRING, BYTE_STRING -> c == '"';
          case INT, LONG, FLOAT, DOUBLE, ENUM -> c == '"' || c == '-' || (c >= '0' && c <= '9');
        };
    if (!ok) {
      throw unexpected(f);
    }
    if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      message(f.getMessageType(), depth + 1);
    } else {
      skipValue();
    }
  }

  /** protojson's wording, without its "(line:col)" position. */
  private JsonCodec.BadJsonException unexpected(FieldDescriptor f) {
    char c = s.charAt(p);
    if (c == '[' || c == '{') {
      return new JsonCodec.BadJsonException("unexpected token " + c);
    }
    int start = p;
    skipValue();
    String shown = s.substring(start, Math.min(p, start + 64)) + (p - start > 64 ? "..." : "");
    String kind = f.getType().name().toLowerCase(Locale.ROOT);
    return new JsonCodec.BadJsonException("invalid value for " + kind + " field " + f.getJsonName() + ": " + shown);
  }

  /** A string token, unescaped (only names need the value). */
  private String string() {
    StringBuilder sb = new StringBuilder();
    p++; // "
    while (true) {
      char c = s.charAt(p++);
      if (c == '"') {
        return sb.toString();
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      char e = s.charAt(p++);
      switch (e) {
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> {
          sb.append((char) Integer.parseInt(s.substring(p, p + 4), 16));
          p += 4;
        }
        default -> sb.append(e);
      }
    }
  }

  /** Skips one value without recursion (nesting may be deep in unknown fields). */
  private void skipValue() {
    int depth = 0;
    do {
      ws();
      char c = s.charAt(p);
      if (c == '"') {
        skipString();
      } else if (c == '{' || c == '[') {
        depth++;
        p++;
      } else if (c == '}' || c == ']') {
        depth--;
        p++;
      } else if (c == ',' || c == ':') {
        p++;
      } else {
        while (p < s.length() && "{}[],: \t\r\n\"".indexOf(s.charAt(p)) < 0) {
          p++;
        }
      }
    } while (depth > 0);
  }

  private void skipString() {
    p++;
    while (true) {
      char c = s.charAt(p++);
      if (c == '\\') {
        p++;
      } else if (c == '"') {
        return;
      }
    }
  }

  private void ws() {
    while (p < s.length() && GoJsonScanner.isSpace(s.charAt(p))) {
      p++;
    }
  }

  /** Fields by proto name and by JSON (lowerCamel) name, as protojson accepts both. */
  private static Map<String, FieldDescriptor> fields(Descriptor type) {
    return FIELDS.computeIfAbsent(type, d -> {
      Map<String, FieldDescriptor> m = new HashMap<>();
      for (FieldDescriptor f : d.getFields()) {
        m.put(f.getName(), f);
        m.put(f.getJsonName(), f);
      }
      return m;
    });
  }
}
