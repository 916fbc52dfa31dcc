package io.cairn.storage.etcd;

/**
 * etcd's revision key: 8-byte big-endian main revision, '_', 8-byte big-endian sub revision, and a trailing 't' on a
 * tombstone. The meta bucket's compaction marks use the same 17 bytes.
 */
record EtcdRevision(long main, long sub, boolean tombstone) {
  static final int BYTES = 17;

  static EtcdRevision decode(byte[] k) {
    if ((k.length != BYTES && k.length != BYTES + 1) || k[8] != '_' || (k.length == BYTES + 1 && k[BYTES] != 't')) {
      throw new IllegalArgumentException("not an etcd revision key: " + java.util.HexFormat.of().formatHex(k));
    }
    return new EtcdRevision(be64(k, 0), be64(k, 9), k.length == BYTES + 1);
  }

  static long be64(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xFFL);
    }
    return v;
  }
}
