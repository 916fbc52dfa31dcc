package io.cairn.storage.etcd;

import io.cairn.storage.bbolt.BoltBucket;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * etcdutl snapshot status for an etcd database: a CRC-32C over every top-level bucket's name followed by its keys and
 * values in order, the main revision of the key bucket's last key, the number of entries of all buckets, and bbolt's
 * transaction size.
 */
public record EtcdDbStatus(int hash, long revision, long totalKeys, long totalSize) {
  public static EtcdDbStatus of(EtcdBackend backend) {
    CRC32C crc = new CRC32C();
    long[] revision = {0};
    long[] total = {0};
    List<byte[]> names = new ArrayList<>();
    BoltBucket root = backend.file().root();
    root.forEach((name, v) -> names.add(name));
    for (byte[] name : names) {
      BoltBucket b = root.bucket(name);
      if (b == null) {
        throw new io.cairn.storage.bbolt.BoltFormatException("cannot get hash of bucket " + new String(name,
            java.nio.charset.StandardCharsets.UTF_8));
      }
      crc.update(name);
      boolean keyBucket = java.util.Arrays.equals(name, "key".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      b.forEach((k, v) -> {
        crc.update(k);
        if (v != null) {
          crc.update(v);
        }
        if (keyBucket) {
          revision[0] = EtcdRevision.decode(k).main();
        }
        total[0]++;
      });
    }
    return new EtcdDbStatus((int) crc.getValue(), revision[0], total[0], backend.file().size());
  }
}
