package io.cairn.storage.etcd;

/**
 * A row of etcd's {@code lease} bucket: leasepb.Lease {ID = 1, TTL = 2, RemainingTTL = 3}, all int64 varints. Decoded
 * by hand: three fields do not justify another generated message.
 */
public record EtcdLease(long id, long ttl, long remainingTtl) {
  static EtcdLease decode(byte[] b) {
    long id = 0;
    long ttl = 0;
    long remaining = 0;
    int[] at = {0};
    while (at[0] < b.length) {
      long tag = varint(b, at);
      int field = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      if (wire == 0) {
        long v = varint(b, at);
        switch (field) {
          case 1 -> id = v;
          case 2 -> ttl = v;
          case 3 -> remaining = v;
          default -> { } // a field a later etcd may add
        }
      } else if (wire == 2) {
        at[0] += (int) varint(b, at);
      } else if (wire == 1) {
        at[0] += 8;
      } else if (wire == 5) {
        at[0] += 4;
      } else {
        throw new IllegalArgumentException("undecodable lease record (wire type " + wire + ")");
      }
    }
    if (at[0] != b.length) {
      throw new IllegalArgumentException("undecodable lease record (truncated)");
    }
    return new EtcdLease(id, ttl, remaining);
  }

  private static long varint(byte[] b, int[] at) {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at[0] >= b.length) {
        throw new IllegalArgumentException("undecodable lease record (truncated varint)");
      }
      byte x = b[at[0]++];
      v |= (long) (x & 0x7F) << shift;
      if (x >= 0) {
        return v;
      }
    }
    throw new IllegalArgumentException("undecodable lease record (varint too long)");
  }
}
