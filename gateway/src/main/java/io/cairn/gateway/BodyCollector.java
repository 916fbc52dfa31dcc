package io.cairn.gateway;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;

/** Accumulates a single-message request body, refusing to grow past the body limit. */
final class BodyCollector {
  private final long max;
  private final ByteArrayOutputStream out;

  BodyCollector(long max, long contentLengthHint) {
    this.max = max;
    int initial = (int) Math.max(64, Math.min(contentLengthHint, Math.min(max, 64 * 1024)));
    this.out = new ByteArrayOutputStream(initial);
  }

  /** Appends the buffer; false (and nothing kept) once the body would exceed the limit. */
  boolean add(ByteBuf buf) {
    int n = buf.readableBytes();
    if ((long) out.size() + n > max) {
      return false;
    }
    byte[] chunk = new byte[n];
    buf.getBytes(buf.readerIndex(), chunk);
    out.write(chunk, 0, n);
    return true;
  }

  byte[] bytes() {
    return out.toByteArray();
  }
}
