package io.cairn.server.concurrency;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.RangeRequest;

/** Key helpers of etcd's concurrency recipes (clientv3/concurrency). */
final class Keys {
  private static final ByteString SLASH = ByteString.copyFromUtf8("/");

  private Keys() {}

  /** {@code name + "/"}: the prefix every candidate key of a lock or election lives under. */
  static ByteString prefix(ByteString name) {
    return name.concat(SLASH);
  }

  /** {@code fmt.Sprintf("%s%x", prefix, lease)}: Go prints a negative int64 as "-" and the magnitude. */
  static ByteString candidate(ByteString prefix, long lease) {
    String hex = lease < 0 ? "-" + Long.toUnsignedString(-lease, 16) : Long.toHexString(lease);
    return prefix.concat(ByteString.copyFromUtf8(hex));
  }

  /** clientv3 GetPrefixRangeEnd: the first key after every key with this prefix ("\0" if there is none). */
  static ByteString prefixEnd(ByteString prefix) {
    byte[] end = prefix.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if ((end[i] & 0xFF) < 0xFF) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    return ByteString.copyFrom(new byte[] {0});
  }

  /** clientv3 WithFirstCreate on a prefix: the key with the lowest create revision. */
  static RangeRequest firstCreated(ByteString prefix) {
    return RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix)).setLimit(1)
        .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.ASCEND).build();
  }

  /** clientv3 WithLastCreate + WithMaxCreateRev: the newest key created at or before {@code maxCreateRev}. */
  static RangeRequest lastCreatedBefore(ByteString prefix, long maxCreateRev) {
    return RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix)).setLimit(1)
        .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.DESCEND)
        .setMaxCreateRevision(maxCreateRev).build();
  }

  static RangeRequest get(ByteString key) {
    return RangeRequest.newBuilder().setKey(key).build();
  }
}
