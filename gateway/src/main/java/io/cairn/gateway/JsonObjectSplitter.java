package io.cairn.gateway;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a streamed request body (watch, lease keepalive) into consecutive top-level JSON values, so
 * each can be forwarded as soon as it is complete, like the successive json.Decoder.Decode calls
 * of grpc-gateway. It scans with {@link GoJsonScanner}, so a syntax error carries Go's message;
 * whether a value is an object of the right shape is checked when it is decoded.
 */
final class JsonObjectSplitter {
  private final long maxObjectBytes;
  private final ByteArrayOutputStream current = new ByteArrayOutputStream();
  private final GoJsonScanner scanner = new GoJsonScanner();
  private String failure;

  JsonObjectSplitter(long maxObjectBytes) {
    this.maxObjectBytes = maxObjectBytes;
  }

  /**
   * Consumes all readable bytes and returns the values completed by them, in order. A syntax error
   * ends the splitting: the values before it are still returned, and {@link #failure} tells it.
   */
  List<byte[]> feed(ByteBuf buf) throws TooLargeException {
    List<byte[]> done = new ArrayList<>(1);
    int end = buf.writerIndex();
    if (failure != null) {
      buf.readerIndex(end);
      return done;
    }
    for (int i = buf.readerIndex(); i < end; i++) {
      byte b = buf.getByte(i);
      int r = scanner.step(b);
      if (r == GoJsonScanner.END) {
        // a number or literal ended before this byte, which starts the next value
        done.add(take());
        r = scanner.step(b);
      }
      if (r == GoJsonScanner.ERROR) {
        failure = scanner.error();
        buf.readerIndex(end);
        return done;
      }
      if (r == GoJsonScanner.SKIP_SPACE && current.size() == 0) {
        continue;
      }
      current.write(b);
      if (current.size() > maxObjectBytes) {
        buf.readerIndex(end);
        throw new TooLargeException();
      }
      if ((r == GoJsonScanner.END_OBJECT || r == GoJsonScanner.END_ARRAY)
          && scanner.endValue(' ') == GoJsonScanner.END) {
        done.add(take());
      }
    }
    buf.readerIndex(end);
    return done;
  }

  /** Go's syntax error message once the stream stopped at one, else null. */
  String failure() {
    return failure;
  }

  /** At body end: a value still open is a truncated request ("unexpected EOF"), else the last scalar. */
  List<byte[]> finish() throws JsonCodec.BadJsonException {
    if (failure != null) {
      throw new JsonCodec.BadJsonException(failure);
    }
    if (current.size() == 0) {
      return List.of();
    }
    if (scanner.step(' ') == GoJsonScanner.END) {
      return List.of(take());
    }
    throw new JsonCodec.BadJsonException("unexpected EOF");
  }

  private byte[] take() {
    byte[] value = current.toByteArray();
    current.reset();
    scanner.reset();
    return value;
  }

  /** One streamed object exceeded the body limit. */
  static final class TooLargeException extends Exception {
    TooLargeException() {
      super(null, null, false, false);
    }
  }
}
