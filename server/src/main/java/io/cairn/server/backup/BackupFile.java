package io.cairn.server.backup;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Reads a backup file: checks its SHA-256 trailer and its structure, and writes the store's files back out. */
public final class BackupFile {
  private static final int SHA_BYTES = Sha256Trailer.BYTES;

  private BackupFile() {}

  /**
   * Checks the file: length, SHA-256 trailer (unless {@code skipHashCheck}), header, and that the header's files fill
   * the payload. Errors name what is wrong, in etcd's words where etcd has them.
   */
  public static BackupHeader verify(Path file, boolean skipHashCheck) throws IOException {
    return verify(file, skipHashCheck, Progress.none());
  }

  static BackupHeader verify(Path file, boolean skipHashCheck, Progress progress) throws IOException {
    long size = Files.size(file);
    if (size % BackupSource.ALIGN != SHA_BYTES) {
      throw new IOException("sha256 checksum not found [bytes: " + size + "]: " + file + " is not a complete backup");
    }
    long payload = size - SHA_BYTES;
    if (!skipHashCheck) {
      Sha256Trailer.check(file, payload, progress);
    }
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      CountingHeader h = readHeader(in);
      long unpadded = h.length + h.header.dataBytes();
      if ((unpadded + BackupSource.ALIGN - 1) / BackupSource.ALIGN * BackupSource.ALIGN != payload) {
        throw new IOException("corrupt backup: the header describes " + unpadded + " bytes but the file holds "
            + payload);
      }
      return h.header;
    }
  }

  /** {@link #verify}, then writes the store's files into {@code dir} (created; must not exist) and fsyncs them. */
  public static BackupHeader extract(Path file, Path dir, boolean skipHashCheck) throws IOException {
    return extract(file, dir, skipHashCheck, Progress.none(), Progress.none());
  }

  /** {@link #extract}, reporting the hash check and the copy to {@code checking} and {@code copying}. */
  static BackupHeader extract(Path file, Path dir, boolean skipHashCheck, Progress checking, Progress copying)
      throws IOException {
    BackupHeader header = verify(file, skipHashCheck, checking);
    Files.createDirectories(dir);
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      readHeader(in);
      byte[] buf = new byte[1 << 16];
      for (BackupHeader.FileEntry f : header.files()) {
        Path target = dir.resolve(f.name());
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW)) {
          for (long left = f.size(); left > 0; ) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
              throw new IOException(file + " ended inside " + f.name());
            }
            out.write(buf, 0, n);
            left -= n;
            copying.advance(n);
          }
        }
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
          ch.force(true);
        }
      }
    }
    copying.finish();
    return header;
  }

  private record CountingHeader(BackupHeader header, long length) {}

  private static CountingHeader readHeader(DataInputStream in) throws IOException {
    BackupHeader h = BackupHeader.decode(in);
    return new CountingHeader(h, h.encode().length); // the encoding is canonical: same length as read
  }
}
