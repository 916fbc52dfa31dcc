package io.cairn.gateway;

import java.util.Arrays;

/**
 * A port of Go's encoding/json scanner (scanner.go), byte for byte, so a malformed request body is
 * refused with exactly the message etcd gives. Both etcd 3.4 (grpc-gateway v1, jsonpb) and 3.6
 * (grpc-gateway v2, protojson) first read the body with Go's {@code json.Decoder} into a raw value
 * and only then unmarshal it into the request message: every syntax error, and "unexpected EOF" for
 * a truncated body, comes from this scanner in both versions.
 *
 * <p>{@link #firstValue} mirrors {@code json.Decoder.Decode}: it reads one value and ignores what
 * follows it. Not thread-safe; one instance per body or stream.
 */
final class GoJsonScanner {
  // step results (scanner.go's scanContinue ... scanError)
  static final int CONTINUE = 0;
  static final int BEGIN_LITERAL = 1;
  static final int BEGIN_OBJECT = 2;
  static final int OBJECT_KEY = 3;
  static final int OBJECT_VALUE = 4;
  static final int END_OBJECT = 5;
  static final int BEGIN_ARRAY = 6;
  static final int ARRAY_VALUE = 7;
  static final int END_ARRAY = 8;
  static final int SKIP_SPACE = 9;
  static final int END = 10;
  static final int ERROR = 11;

  private static final int PARSE_OBJECT_KEY = 0;
  private static final int PARSE_OBJECT_VALUE = 1;
  private static final int PARSE_ARRAY_VALUE = 2;
  private static final int MAX_NESTING_DEPTH = 10000;

  /** The scanner's step function, as Go's {@code s.step}. */
  private enum State {
    BEGIN_VALUE, BEGIN_VALUE_OR_EMPTY, BEGIN_STRING_OR_EMPTY, BEGIN_STRING, END_VALUE, END_TOP,
    IN_STRING, IN_STRING_ESC, IN_STRING_ESC_U, IN_STRING_ESC_U1, IN_STRING_ESC_U12, IN_STRING_ESC_U123,
    NEG, ONE, ZERO, DOT, DOT0, E, E_SIGN, E0,
    T, TR, TRU, F, FA, FAL, FALS, N, NU, NUL, ERROR
  }

  private State step = State.BEGIN_VALUE;
  private int[] parseState = new int[8];
  private int depth;
  private String error;

  void reset() {
    step = State.BEGIN_VALUE;
    depth = 0;
    error = null;
  }

  /** The syntax error message once {@link #step} returned {@link #ERROR}. */
  String error() {
    return error;
  }

  /** Feeds one byte; returns what it was (CONTINUE, ..., END: the value ended before this byte). */
  int step(int c) {
    c &= 0xff;
    switch (step) {
      case BEGIN_VALUE:
        return beginValue(c);
      case BEGIN_VALUE_OR_EMPTY:
        if (isSpace(c)) {
          return SKIP_SPACE;
        }
        return c == ']' ? endValue(c) : beginValue(c);
      case BEGIN_STRING_OR_EMPTY:
        if (isSpace(c)) {
          return SKIP_SPACE;
        }
        if (c == '}') {
          parseState[depth - 1] = PARSE_OBJECT_VALUE;
          return endValue(c);
        }
        return beginString(c);
      case BEGIN_STRING:
        return beginString(c);
      case END_VALUE:
        return endValue(c);
      case END_TOP:
        return endTop(c);
      case IN_STRING:
        if (c == '"') {
          step = State.END_VALUE;
          return CONTINUE;
        }
        if (c == '\\') {
          step = State.IN_STRING_ESC;
          return CONTINUE;
        }
        return c < 0x20 ? error(c, "in string literal") : CONTINUE;
      case IN_STRING_ESC:
        switch (c) {
          case 'b', 'f', 'n', 'r', 't', '\\', '/', '"' -> {
            step = State.IN_STRING;
            return CONTINUE;
          }
          case 'u' -> {
            step = State.IN_STRING_ESC_U;
            return CONTINUE;
          }
          default -> {
            return error(c, "in string escape code");
          }
        }
      case IN_STRING_ESC_U:
        return hex(c, State.IN_STRING_ESC_U1);
      case IN_STRING_ESC_U1:
        return hex(c, State.IN_STRING_ESC_U12);
      case IN_STRING_ESC_U12:
        return hex(c, State.IN_STRING_ESC_U123);
      case IN_STRING_ESC_U123:
        return hex(c, State.IN_STRING);
      case NEG:
        if (c == '0') {
          step = State.ZERO;
          return CONTINUE;
        }
        if (c >= '1' && c <= '9') {
          step = State.ONE;
          return CONTINUE;
        }
        return error(c, "in numeric literal");
      case ONE:
        if (c >= '0' && c <= '9') {
          return CONTINUE;
        }
        return zero(c);
      case ZERO:
        return zero(c);
      case DOT:
        if (c >= '0' && c <= '9') {
          step = State.DOT0;
          return CONTINUE;
        }
        return error(c, "after decimal point in numeric literal");
      case DOT0:
        if (c >= '0' && c <= '9') {
          return CONTINUE;
        }
        if (c == 'e' || c == 'E') {
          step = State.E;
          return CONTINUE;
        }
        return endValue(c);
      case E:
        if (c == '+' || c == '-') {
          step = State.E_SIGN;
          return CONTINUE;
        }
        return eSign(c);
      case E_SIGN:
        return eSign(c);
      case E0:
        if (c >= '0' && c <= '9') {
          return CONTINUE;
        }
        return endValue(c);
      case T:
        return literal(c, 'r', State.TR, "in literal true (expecting 'r')");
      case TR:
        return literal(c, 'u', State.TRU, "in literal true (expecting 'u')");
      case TRU:
        return literal(c, 'e', State.END_VALUE, "in literal true (expecting 'e')");
      case F:
        return literal(c, 'a', State.FA, "in literal false (expecting 'a')");
      case FA:
        return literal(c, 'l', State.FAL, "in literal false (expecting 'l')");
      case FAL:
        return literal(c, 's', State.FALS, "in literal false (expecting 's')");
      case FALS:
        return literal(c, 'e', State.END_VALUE, "in literal false (expecting 'e')");
      case N:
        return literal(c, 'u', State.NU, "in literal null (expecting 'u')");
      case NU:
        return literal(c, 'l', State.NUL, "in literal null (expecting 'l')");
      case NUL:
        return literal(c, 'l', State.END_VALUE, "in literal null (expecting 'l')");
      default:
        return ERROR;
    }
  }

  /**
   * Go's json.Decoder.Decode on a whole body: the bytes of the first JSON value (any data after it
   * is not looked at), or null when the body holds only whitespace (Go's io.EOF, which the gateway
   * treats as an empty request).
   *
   * @throws JsonCodec.BadJsonException with Go's message ("unexpected EOF", "invalid character ...")
   */
  static byte[] firstValue(byte[] body) throws JsonCodec.BadJsonException {
    GoJsonScanner s = new GoJsonScanner();
    boolean nonSpace = false;
    for (int i = 0; i < body.length; i++) {
      int r = s.step(body[i]);
      if (r != SKIP_SPACE) {
        nonSpace = true;
      }
      if (r == END) {
        return Arrays.copyOf(body, i);
      }
      if ((r == END_OBJECT || r == END_ARRAY) && s.endValue(' ') == END) {
        return i + 1 == body.length ? body : Arrays.copyOf(body, i + 1);
      }
      if (r == ERROR) {
        throw new JsonCodec.BadJsonException(s.error());
      }
    }
    if (s.step(' ') == END) {
      return body;
    }
    if (nonSpace) {
      throw new JsonCodec.BadJsonException("unexpected EOF");
    }
    return null;
  }

  static boolean isSpace(int c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  }

  private int beginValue(int c) {
    if (isSpace(c)) {
      return SKIP_SPACE;
    }
    switch (c) {
      case '{':
        step = State.BEGIN_STRING_OR_EMPTY;
        return push(c, PARSE_OBJECT_KEY, BEGIN_OBJECT);
      case '[':
        step = State.BEGIN_VALUE_OR_EMPTY;
        return push(c, PARSE_ARRAY_VALUE, BEGIN_ARRAY);
      case '"':
        step = State.IN_STRING;
        return BEGIN_LITERAL;
      case '-':
        step = State.NEG;
        return BEGIN_LITERAL;
      case '0':
        step = State.ZERO;
        return BEGIN_LITERAL;
      case 't':
        step = State.T;
        return BEGIN_LITERAL;
      case 'f':
        step = State.F;
        return BEGIN_LITERAL;
      case 'n':
        step = State.N;
        return BEGIN_LITERAL;
      default:
        if (c >= '1' && c <= '9') {
          step = State.ONE;
          return BEGIN_LITERAL;
        }
        return error(c, "looking for beginning of value");
    }
  }

  private int beginString(int c) {
    if (isSpace(c)) {
      return SKIP_SPACE;
    }
    if (c == '"') {
      step = State.IN_STRING;
      return BEGIN_LITERAL;
    }
    return error(c, "looking for beginning of object key string");
  }

  int endValue(int c) {
    if (depth == 0) {
      // completed top-level before the current byte
      step = State.END_TOP;
      return endTop(c);
    }
    if (isSpace(c)) {
      step = State.END_VALUE;
      return SKIP_SPACE;
    }
    switch (parseState[depth - 1]) {
      case PARSE_OBJECT_KEY:
        if (c == ':') {
          parseState[depth - 1] = PARSE_OBJECT_VALUE;
          step = State.BEGIN_VALUE;
          return OBJECT_KEY;
        }
        return error(c, "after object key");
      case PARSE_OBJECT_VALUE:
        if (c == ',') {
          parseState[depth - 1] = PARSE_OBJECT_KEY;
          step = State.BEGIN_STRING;
          return OBJECT_VALUE;
        }
        if (c == '}') {
          pop();
          return END_OBJECT;
        }
        return error(c, "after object key:value pair");
      default:
        if (c == ',') {
          step = State.BEGIN_VALUE;
          return ARRAY_VALUE;
        }
        if (c == ']') {
          pop();
          return END_ARRAY;
        }
        return error(c, "after array element");
    }
  }

  private int endTop(int c) {
    if (!isSpace(c)) {
      // Go records the complaint for the next call and still reports the end
      error(c, "after top-level value");
    }
    return END;
  }

  private int zero(int c) {
    if (c == '.') {
      step = State.DOT;
      return CONTINUE;
    }
    if (c == 'e' || c == 'E') {
      step = State.E;
      return CONTINUE;
    }
    return endValue(c);
  }

  private int eSign(int c) {
    if (c >= '0' && c <= '9') {
      step = State.E0;
      return CONTINUE;
    }
    return error(c, "in exponent of numeric literal");
  }

  private int hex(int c, State next) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
      step = next;
      return CONTINUE;
    }
    return error(c, "in \\u hexadecimal character escape");
  }

  private int literal(int c, char want, State next, String context) {
    if (c == want) {
      step = next;
      return CONTINUE;
    }
    return error(c, context);
  }

  private int push(int c, int newParseState, int result) {
    if (depth == parseState.length) {
      parseState = Arrays.copyOf(parseState, depth * 2);
    }
    parseState[depth++] = newParseState;
    return depth <= MAX_NESTING_DEPTH ? result : error(c, "exceeded max depth");
  }

  private void pop() {
    depth--;
    step = depth == 0 ? State.END_TOP : State.END_VALUE;
  }

  private int error(int c, String context) {
    step = State.ERROR;
    error = "invalid character " + quoteChar(c) + " " + context;
    return ERROR;
  }

  /** Go's quoteChar: the byte as a rune, in strconv.Quote's escaping, between single quotes. */
  static String quoteChar(int c) {
    if (c == '\'') {
      return "'\\''";
    }
    if (c == '"') {
      return "'\"'";
    }
    String inner;
    switch (c) {
      case 7 -> inner = "\\a";
      case '\b' -> inner = "\\b";
      case '\f' -> inner = "\\f";
      case '\n' -> inner = "\\n";
      case '\r' -> inner = "\\r";
      case '\t' -> inner = "\\t";
      case 11 -> inner = "\\v";
      case '\\' -> inner = "\\\\";
      default -> {
        if (c < 0x20 || c == 0x7f) {
          inner = String.format("\\x%02x", c);
        } else if ((c >= 0x80 && c <= 0xa0) || c == 0xad) {
          // not printable for strconv.IsPrint (C1 controls, no-break space, soft hyphen)
          inner = String.format("\\u%04x", c);
        } else {
          inner = String.valueOf((char) c);
        }
      }
    }
    return "'" + inner + "'";
  }
}
