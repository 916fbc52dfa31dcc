package io.cairn.server.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The integrity rule {@code etcdctl snapshot save} gives a snapshot file: its first bytes, then their SHA-256 (32
 * bytes). Shared by Cairn backups and etcd snapshots, which differ only in what the hashed bytes hold.
 */
final class Sha256Trailer {
  static final int BYTES = 32;

  private Sha256Trailer() {}

  /** Hashes the first {@code data} bytes of {@code file} and refuses it, in etcd's words, unless the trailer matches. */
  static void check(Path file, long data, Progress progress) throws IOException {
    MessageDigest sha = BackupSource.sha256();
    byte[] expected;
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (long left = data; left > 0; ) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new IOException(file + " ended early");
        }
        sha.update(buf, 0, n);
        left -= n;
        progress.advance(n);
      }
      expected = in.readNBytes(BYTES);
      if (expected.length != BYTES) {
        throw new IOException(file + " ended early");
      }
    }
    progress.finish();
    byte[] actual = sha.digest();
    if (!MessageDigest.isEqual(expected, actual)) {
      throw new IOException("expected sha256 " + HexFormat.of().formatHex(expected) + ", got "
          + HexFormat.of().formatHex(actual) + ": " + file + " is corrupt");
    }
  }
}
