package io.cairn.storage.mvcc;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Byte layouts of the {@code kv} and {@code rev} column families (see storage/ENCODING.md).
 *
 * <p>kv key = {@code esc(userKey) 00 01 | BE64(Long.MAX_VALUE - rev) | BE32(Integer.MAX_VALUE - sub) | kind}.
 * {@code esc} doubles every 00 byte as {@code 00 FF}, so "escaped key + terminator" compares exactly like the user
 * keys do and no key's prefix is a prefix of another key's prefix. Inverting the revision sorts the newest version
 * of a key first, so "newest version of K at or below R" is one seek to {@code prefix(K) | BE64(MAX - R)}. The suffix
 * has a fixed length, so the prefix of any kv key is simply its first {@code length - SUFFIX} bytes. The kind byte
 * (put / tombstone) is in the key so counting and key-only scans never have to read values.
 *
 * <p>rev key = {@code BE64(rev) | BE32(sub)}: the change log in commit order.
 */
final class KeyCodec {
  static final byte KIND_PUT = 0;
  static final byte KIND_TOMBSTONE = 1;
  /** Bytes after the prefix: inverted revision, inverted sub-revision, kind. */
  static final int SUFFIX = 8 + 4 + 1;
  static final int REV_KEY_LENGTH = 8 + 4;

  private KeyCodec() {}

  /** Escaped user key without terminator: every kv key of a user key >= {@code key} sorts at or after it. */
  static byte[] escaped(ByteString key) {
    return escape(key, false);
  }

  /** Escaped user key plus terminator: the common prefix of all versions of {@code key}. */
  static byte[] prefix(ByteString key) {
    return escape(key, true);
  }

  private static byte[] escape(ByteString key, boolean terminate) {
    int zeros = 0;
    for (int i = 0; i < key.size(); i++) {
      if (key.byteAt(i) == 0) zeros++;
    }
    byte[] out = new byte[key.size() + zeros + (terminate ? 2 : 0)];
    int o = 0;
    for (int i = 0; i < key.size(); i++) {
      byte b = key.byteAt(i);
      out[o++] = b;
      if (b == 0) out[o++] = (byte) 0xFF;
    }
    if (terminate) {
      out[o++] = 0;
      out[o] = 1;
    }
    return out;
  }

  /** Seek target for the newest version of the key with this prefix whose revision is <= rev. */
  static byte[] seekAtOrBelow(byte[] prefix, long rev) {
    byte[] out = Arrays.copyOf(prefix, prefix.length + 8);
    putLong(out, prefix.length, Long.MAX_VALUE - rev);
    return out;
  }

  /** Seek target just past every version of the key with this prefix (terminator 00 01 becomes 00 02). */
  static byte[] pastAllVersions(byte[] prefix) {
    byte[] out = prefix.clone();
    out[out.length - 1] = 2;
    return out;
  }

  static byte[] versionKey(byte[] prefix, long rev, int sub, byte kind) {
    byte[] out = Arrays.copyOf(prefix, prefix.length + SUFFIX);
    putLong(out, prefix.length, Long.MAX_VALUE - rev);
    putInt(out, prefix.length + 8, Integer.MAX_VALUE - sub);
    out[out.length - 1] = kind;
    return out;
  }

  static int prefixLength(byte[] kvKey) {
    return kvKey.length - SUFFIX;
  }

  static boolean hasPrefix(byte[] kvKey, byte[] prefix) {
    return kvKey.length == prefix.length + SUFFIX
        && Arrays.equals(kvKey, 0, prefix.length, prefix, 0, prefix.length);
  }

  static long revision(byte[] kvKey) {
    return Long.MAX_VALUE - getLong(kvKey, kvKey.length - SUFFIX);
  }

  static int sub(byte[] kvKey) {
    return Integer.MAX_VALUE - getInt(kvKey, kvKey.length - SUFFIX + 8);
  }

  static boolean isTombstone(byte[] kvKey) {
    return kvKey[kvKey.length - 1] == KIND_TOMBSTONE;
  }

  /** The user key of a kv key (undoes the escaping). */
  static ByteString userKey(byte[] kvKey) {
    int end = kvKey.length - SUFFIX - 2;
    ByteArrayOutputStream out = new ByteArrayOutputStream(end);
    for (int i = 0; i < end; i++) {
      out.write(kvKey[i]);
      if (kvKey[i] == 0) i++; // skip the FF of an escaped zero
    }
    return ByteString.copyFrom(out.toByteArray());
  }

  static byte[] revKey(long rev, int sub) {
    byte[] out = new byte[REV_KEY_LENGTH];
    putLong(out, 0, rev);
    putInt(out, 8, sub);
    return out;
  }

  static long revKeyRevision(byte[] revKey) {
    return getLong(revKey, 0);
  }

  static int revKeySub(byte[] revKey) {
    return getInt(revKey, 8);
  }

  /** rev value = kind byte + raw user key; the value of a put stays only in kv (no duplication). */
  static byte[] revValue(byte kind, ByteString userKey) {
    byte[] out = new byte[1 + userKey.size()];
    out[0] = kind;
    userKey.copyTo(out, 1);
    return out;
  }

  static byte[] longBytes(long v) {
    byte[] out = new byte[8];
    putLong(out, 0, v);
    return out;
  }

  static long getLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | (b[off + i] & 0xFFL);
    return v;
  }

  static void putLong(byte[] b, int off, long v) {
    for (int i = 7; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }

  private static int getInt(byte[] b, int off) {
    return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
  }

  private static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }
}
