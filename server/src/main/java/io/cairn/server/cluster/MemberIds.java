package io.cairn.server.cluster;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;

/**
 * etcd's id derivation, so a member bootstrapped with the same flags gets the same ids as etcd
 * (the default member is 8e9e05c52164694d in cluster cdf818194e3a8c32).
 */
public final class MemberIds {
  private MemberIds() {}

  /** sha1(sorted peer URLs joined, then the cluster token); the first 8 bytes, big-endian. */
  public static long memberId(List<URI> peerUrls, String clusterToken) {
    String[] urls = peerUrls.stream().map(URI::toString).sorted().toArray(String[]::new);
    String joined = String.join("", urls) + clusterToken;
    return first8(sha1(joined.getBytes(StandardCharsets.UTF_8)));
  }

  /** sha1 of the sorted member ids, each 8 bytes big-endian; the first 8 bytes. */
  public static long clusterId(long... memberIds) {
    long[] sorted = memberIds.clone();
    sortUnsigned(sorted); // etcd sorts ids as uint64
    ByteBuffer b = ByteBuffer.allocate(8 * sorted.length);
    for (long id : sorted) {
      b.putLong(id);
    }
    return first8(sha1(b.array()));
  }

  public static String hex(long id) {
    return Long.toHexString(id);
  }

  private static void sortUnsigned(long[] a) {
    Long[] boxed = Arrays.stream(a).boxed().toArray(Long[]::new);
    Arrays.sort(boxed, Long::compareUnsigned);
    for (int i = 0; i < a.length; i++) {
      a[i] = boxed[i];
    }
  }

  private static long first8(byte[] digest) {
    return ByteBuffer.wrap(digest, 0, 8).getLong();
  }

  private static byte[] sha1(byte[] in) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(in);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
