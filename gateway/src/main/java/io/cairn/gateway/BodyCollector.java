package io.cairn.gateway;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/** Accumulates a single-message request body, refusing to grow past the body limit. */
final class BodyCollector {
  private final long max;
  private byte[] buf;
  private int size;

  BodyCollector(long max, long contentLengthHint) {
    this.max = max;
    // sized from Content-Length when it is given, so the body is copied once, straight into place
    this.buf = new byte[(int) Math.max(64, Math.min(contentLengthHint, Math.min(max, 64 * 1024)))];
  }

  /** Appends the buffer; false (and nothing kept) once the body would exceed the limit. */
  boolean add(ByteBuf in) {
    int n = in.readableBytes();
    if ((long) size + n > max) {
      return false;
    }
    if (size + n > buf.length) {
      buf = Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 8, Math.max((long) size + n, 2L * buf.length)));
    }
    in.getBytes(in.readerIndex(), buf, size, n);
    size += n;
    return true;
  }

  /** The body (the collector's own array when it is exactly full, else a copy). */
  byte[] bytes() {
    return size == buf.length ? buf : Arrays.copyOf(buf, size);
  }
}
