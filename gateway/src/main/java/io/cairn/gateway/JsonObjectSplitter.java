package io.cairn.gateway;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a streamed request body (watch, lease keepalive) into consecutive top-level JSON objects,
 * so each can be forwarded as soon as its closing brace arrives, like Go's json.Decoder does for
 * grpc-gateway. It only tracks nesting and strings; the objects' syntax is checked when decoded.
 */
final class JsonObjectSplitter {
  private final long maxObjectBytes;
  private final ByteArrayOutputStream current = new ByteArrayOutputStream();
  private int depth;
  private boolean inString;
  private boolean escaped;

  JsonObjectSplitter(long maxObjectBytes) {
    this.maxObjectBytes = maxObjectBytes;
  }

  /** Consumes all readable bytes and returns the objects completed by them, in order. */
  List<byte[]> feed(ByteBuf buf) throws JsonCodec.BadJsonException, TooLargeException {
    List<byte[]> done = new ArrayList<>(1);
    int end = buf.writerIndex();
    for (int i = buf.readerIndex(); i < end; i++) {
      byte b = buf.getByte(i);
      if (depth == 0) {
        if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
          continue;
        }
        if (b != '{') {
          throw new JsonCodec.BadJsonException(
              "invalid character " + describe(b) + " looking for beginning of object");
        }
      }
      current.write(b);
      if (current.size() > maxObjectBytes) {
        throw new TooLargeException();
      }
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (b == '\\') {
          escaped = true;
        } else if (b == '"') {
          inString = false;
        }
      } else if (b == '"') {
        inString = true;
      } else if (b == '{' || b == '[') {
        depth++;
      } else if ((b == '}' || b == ']') && --depth == 0) {
        done.add(current.toByteArray());
        current.reset();
      }
    }
    buf.readerIndex(end);
    return done;
  }

  /** At body end: a partial object is a truncated request. */
  void finish() throws JsonCodec.BadJsonException {
    if (depth != 0 || current.size() != 0) {
      throw new JsonCodec.BadJsonException("unexpected EOF");
    }
  }

  private static String describe(byte b) {
    int c = b & 0xff;
    return c >= 0x20 && c < 0x7f ? "'" + (char) c + "'" : String.format("0x%02x", c);
  }

  /** One streamed object exceeded the body limit. */
  static final class TooLargeException extends Exception {
    TooLargeException() {
      super(null, null, false, false);
    }
  }
}
