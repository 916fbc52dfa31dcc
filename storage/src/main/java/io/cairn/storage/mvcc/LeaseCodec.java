package io.cairn.storage.mvcc;

import com.google.protobuf.ByteString;
import java.util.Arrays;

/**
 * Byte layouts of the {@code lease} and {@code lease_keys} column families (see docs/storage-encoding.md).
 *
 * <p>lease: key {@code BE64(id)}, value {@code BE64(granted TTL) | BE64(remaining TTL)} (remaining 0 = none
 * checkpointed). lease_keys: key {@code BE64(id) | raw user key}, empty value; the fixed-length id prefix makes "all
 * keys of lease L" one prefix scan, in byte-wise key order (the order etcd deletes them in on revoke).
 */
final class LeaseCodec {
  static final int ID_BYTES = 8;
  static final byte[] EMPTY = new byte[0];

  private LeaseCodec() {}

  static byte[] leaseKey(long id) {
    return KeyCodec.longBytes(id);
  }

  static long leaseId(byte[] leaseKey) {
    return KeyCodec.getLong(leaseKey, 0);
  }

  static byte[] leaseValue(long ttl, long remainingTtl) {
    byte[] out = new byte[16];
    KeyCodec.putLong(out, 0, ttl);
    KeyCodec.putLong(out, 8, remainingTtl);
    return out;
  }

  static LeaseRecord decode(long id, byte[] value) {
    return new LeaseRecord(id, KeyCodec.getLong(value, 0), KeyCodec.getLong(value, 8));
  }

  static byte[] attachKey(long id, ByteString userKey) {
    byte[] out = new byte[ID_BYTES + userKey.size()];
    KeyCodec.putLong(out, 0, id);
    userKey.copyTo(out, ID_BYTES);
    return out;
  }

  /** Whether a lease_keys key belongs to the lease whose id bytes are {@code prefix}. */
  static boolean belongsTo(byte[] attachKey, byte[] prefix) {
    return attachKey.length >= ID_BYTES && Arrays.equals(attachKey, 0, ID_BYTES, prefix, 0, ID_BYTES);
  }

  static ByteString attachedUserKey(byte[] attachKey) {
    return ByteString.copyFrom(attachKey, ID_BYTES, attachKey.length - ID_BYTES);
  }
}
