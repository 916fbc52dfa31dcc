package io.cairn.storage.bbolt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A bbolt meta page's body (after the page header): magic, format version, page size, flags, the root bucket's
 * header (root page, sequence), the freelist page, the high-water page id, the transaction id, and an FNV-64a
 * checksum of the fields before it. Pages 0 and 1 each hold one; the valid one with the higher txid is current.
 */
record BoltMeta(int pageSize, long rootPage, long highWater, long txid) {
  static final int MAGIC = 0xED0CDAED;
  static final int VERSION = 2;
  /** Bytes of the meta body covered by the checksum. */
  private static final int CHECKED = 4 + 4 + 4 + 4 + 16 + 8 + 8 + 8;

  /** Decodes the meta at {@code offset} (the page's start); throws if it is not a valid meta. */
  static BoltMeta decode(byte[] page, int offset) {
    ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
    if (page.length - offset < BoltPage.HEADER + CHECKED + 8) {
      throw new BoltFormatException("meta page is truncated");
    }
    if ((b.getShort(offset + 8) & BoltPage.META) == 0) {
      throw new BoltFormatException("page " + b.getLong(offset) + " is not a meta page");
    }
    int m = offset + BoltPage.HEADER;
    if (b.getInt(m) != MAGIC) {
      throw new BoltFormatException("not a bbolt database (magic " + Integer.toHexString(b.getInt(m)) + ")");
    }
    if (b.getInt(m + 4) != VERSION) {
      throw new BoltFormatException("unsupported bbolt format version " + b.getInt(m + 4));
    }
    long expected = b.getLong(m + CHECKED);
    long actual = fnv64a(page, m, CHECKED);
    if (expected != actual) {
      throw new BoltFormatException("meta page checksum mismatch");
    }
    int pageSize = b.getInt(m + 8);
    if (pageSize < 512 || pageSize > (1 << 20) || Integer.bitCount(pageSize) != 1) {
      throw new BoltFormatException("implausible page size " + pageSize);
    }
    return new BoltMeta(pageSize, b.getLong(m + 16), b.getLong(m + 40), b.getLong(m + 48));
  }

  /** FNV-1a, 64 bits, as Go's hash/fnv New64a. */
  static long fnv64a(byte[] data, int from, int length) {
    long h = 0xcbf29ce484222325L;
    for (int i = from; i < from + length; i++) {
      h ^= data[i] & 0xFF;
      h *= 0x100000001b3L;
    }
    return h;
  }
}
