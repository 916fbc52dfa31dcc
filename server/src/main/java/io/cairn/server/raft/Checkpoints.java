package io.cairn.server.raft;

import io.cairn.proto.serverpb.CheckpointFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * RocksDB checkpoints kept with snapshots: sealing one (fsync, file list), checking it against that list before
 * it is trusted, and copying it into place as the store. SST files are immutable and checksummed block by block
 * by RocksDB, so they are hard-linked and checked by size; the small files RocksDB rewrites or appends to
 * (MANIFEST, CURRENT, OPTIONS) are copied and checked by CRC-32C.
 */
final class Checkpoints {
  private Checkpoints() {}

  private static boolean immutable(Path p) {
    return p.getFileName().toString().endsWith(".sst");
  }

  /** Makes every file and the directory durable and returns their description, ordered by name. */
  static List<CheckpointFile> seal(Path dir) throws IOException {
    List<CheckpointFile> out = new ArrayList<>();
    for (Path p : files(dir)) {
      try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
        ch.force(true);
      }
      CheckpointFile.Builder f = CheckpointFile.newBuilder().setName(p.getFileName().toString()).setSize(Files.size(p));
      if (!immutable(p)) {
        f.setHasCrc(true).setCrc32C(crc(p));
      }
      out.add(f.build());
    }
    syncDir(dir);
    return out;
  }

  /** Throws, naming the file, unless {@code dir} holds exactly the described files intact. */
  static void verify(Path dir, List<CheckpointFile> expected) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException("checkpoint " + dir + " is missing");
    }
    List<Path> present = files(dir);
    if (present.size() != expected.size()) {
      throw new IOException("checkpoint " + dir + " holds " + present.size() + " files, expected " + expected.size());
    }
    for (CheckpointFile f : expected) {
      Path p = dir.resolve(f.getName());
      if (!Files.isRegularFile(p) || Files.size(p) != f.getSize()) {
        throw new IOException("checkpoint file " + p + " is missing or has the wrong size");
      }
      if (f.getHasCrc() && crc(p) != f.getCrc32C()) {
        throw new IOException("checkpoint file " + p + " fails its checksum");
      }
    }
  }

  /** A private copy of a checkpoint for the store to open (and change): SSTs hard-linked, the rest copied. */
  static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    for (Path p : files(from)) {
      Path target = to.resolve(p.getFileName());
      if (immutable(p)) {
        Files.createLink(target, p);
      } else {
        Files.copy(p, target);
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.READ)) {
          ch.force(true);
        }
      }
    }
    syncDir(to);
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private static int crc(Path p) throws IOException {
    CRC32C c = new CRC32C();
    byte[] buf = new byte[64 << 10];
    try (InputStream in = Files.newInputStream(p)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        c.update(buf, 0, n);
      }
    }
    return (int) c.getValue();
  }

  static void syncDir(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
