package io.cairn.server.backup;

import io.cairn.storage.bbolt.BoltFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A snapshot file saved from etcd: its bbolt database, then (as {@code etcdctl snapshot save} leaves it) the SHA-256
 * of the database. Like etcdutl, the hash is checked unless skipped, and a file without one (a copy of a member's
 * {@code member/snap/db}) is accepted only with {@code --skip-hash-check}.
 */
final class EtcdSnapshotFile {
  private static final int SHA_BYTES = Sha256Trailer.BYTES;

  private EtcdSnapshotFile() {}

  /** Whether {@code file} starts as a bbolt database does (Cairn backups start with CAIRNBAK). */
  static boolean isEtcd(Path file) throws IOException {
    if (Files.size(file) <= SHA_BYTES) {
      return false;
    }
    byte[] start;
    try (InputStream in = Files.newInputStream(file)) {
      start = in.readNBytes(BackupHeader.MAGIC.length);
    }
    // a Cairn header's revision field could by chance hold bbolt's magic: its own magic comes first
    return !java.util.Arrays.equals(start, BackupHeader.MAGIC) && BoltFile.looksLikeBolt(file);
  }

  /** Checks the trailer; returns how many leading bytes are the database. */
  static long verify(Path file, boolean skipHashCheck) throws IOException {
    return verify(file, skipHashCheck, Progress.none());
  }

  static long verify(Path file, boolean skipHashCheck, Progress progress) throws IOException {
    long size = Files.size(file);
    boolean hasHash = size % 512 == SHA_BYTES;
    if (!hasHash) {
      if (!skipHashCheck) {
        throw new IOException("snapshot missing hash but --skip-hash-check=false (" + file + " has " + size
            + " bytes: not a complete 'etcdctl snapshot save' file)");
      }
      return size;
    }
    long data = size - SHA_BYTES;
    if (skipHashCheck) {
      return data;
    }
    Sha256Trailer.check(file, data, progress);
    return data;
  }
}
