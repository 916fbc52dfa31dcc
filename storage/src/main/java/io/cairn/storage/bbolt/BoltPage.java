package io.cairn.storage.bbolt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One bbolt page (with its overflow pages), or an inline bucket's page inside a value. bbolt writes its structures in
 * the machine's byte order, little-endian on every platform etcd ships for. Layout: a 16-byte header (id u64, flags
 * u16, count u16, overflow u32), then {@code count} 16-byte element headers, then the keys and values they point at;
 * an element's {@code pos} counts from the element header itself.
 */
final class BoltPage {
  static final int HEADER = 16;
  static final int ELEMENT = 16;
  static final int BRANCH = 0x01;
  static final int LEAF = 0x02;
  static final int META = 0x04;
  static final int FREELIST = 0x10;
  /** A leaf element whose value is a nested bucket's header. */
  static final int BUCKET_LEAF = 0x01;

  private final ByteBuffer buf;
  private final int base;
  private final int end;
  final long id;
  final int flags;
  final int count;
  final long overflow;

  /** The page starting at {@code base} of {@code bytes}; elements must lie before {@code end}. */
  BoltPage(byte[] bytes, int base, int end) {
    if (end - base < HEADER) {
      throw new BoltFormatException("page of " + (end - base) + " bytes is shorter than its header");
    }
    this.buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    this.base = base;
    this.end = end;
    this.id = buf.getLong(base);
    this.flags = buf.getShort(base + 8) & 0xFFFF;
    this.count = buf.getShort(base + 10) & 0xFFFF;
    this.overflow = buf.getInt(base + 12) & 0xFFFFFFFFL;
    if (HEADER + (long) count * ELEMENT > end - base) {
      throw new BoltFormatException("page " + id + " claims " + count + " elements, more than it holds");
    }
  }

  boolean isBranch() {
    return (flags & BRANCH) != 0;
  }

  boolean isLeaf() {
    return (flags & LEAF) != 0;
  }

  private int element(int i) {
    if (i < 0 || i >= count) {
      throw new IndexOutOfBoundsException("element " + i + " of " + count);
    }
    return base + HEADER + i * ELEMENT;
  }

  /** A branch element's child page. */
  long child(int i) {
    return buf.getLong(element(i) + 8);
  }

  /** A branch element's key: the first key of its child. */
  byte[] branchKey(int i) {
    int e = element(i);
    return slice(e, buf.getInt(e), buf.getInt(e + 4));
  }

  int leafFlags(int i) {
    return buf.getInt(element(i));
  }

  byte[] leafKey(int i) {
    int e = element(i);
    return slice(e, buf.getInt(e + 4), buf.getInt(e + 8));
  }

  byte[] leafValue(int i) {
    int e = element(i);
    int pos = buf.getInt(e + 4);
    int ksize = buf.getInt(e + 8);
    return slice(e, pos + ksize, buf.getInt(e + 12));
  }

  private byte[] slice(int element, long pos, long size) {
    long from = element + (pos & 0xFFFFFFFFL);
    long to = from + (size & 0xFFFFFFFFL);
    if (to > end || from < base) {
      throw new BoltFormatException("page " + id + ": element data at " + (from - base) + ".." + (to - base)
          + " lies outside the page");
    }
    return Arrays.copyOfRange(buf.array(), (int) from, (int) to);
  }
}
