package io.cairn.server.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/** When and how big files were: tells whether a file was replaced since it was last read, for a stat each. */
record FileStamp(long[] parts) {
  static FileStamp of(Path... files) {
    long[] p = new long[files.length * 3];
    for (int i = 0; i < files.length; i++) {
      try {
        BasicFileAttributes a = Files.readAttributes(files[i], BasicFileAttributes.class);
        p[3 * i] = a.lastModifiedTime().toMillis() * 1_000_000L + a.lastModifiedTime().toInstant().getNano() % 1_000_000;
        p[3 * i + 1] = a.size();
        p[3 * i + 2] = a.fileKey() == null ? 0 : a.fileKey().hashCode();
      } catch (IOException e) {
        p[3 * i] = -1; // missing now: keep what was read, and look again next time
      }
    }
    return new FileStamp(p);
  }

  boolean sameAs(FileStamp o) {
    return java.util.Arrays.equals(parts, o.parts);
  }
}
