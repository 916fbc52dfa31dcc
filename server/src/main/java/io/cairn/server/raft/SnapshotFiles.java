package io.cairn.server.raft;

import io.cairn.proto.raftpb.Snapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raft snapshot metadata files in member/snap: {@code <term>-<index>.snap} holding a CRC-32C and the
 * snapshot (index, term, configuration). The store itself is the snapshot's data (it records its
 * consistent index atomically), so these files carry only what Raft needs to restart from it.
 */
final class SnapshotFiles {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotFiles.class);
  private static final String SUFFIX = ".snap";

  private final Path dir;
  private final int keep;

  SnapshotFiles(Path dir, int keep) throws IOException {
    this.dir = dir;
    this.keep = Math.max(1, keep);
    Files.createDirectories(dir);
  }

  /** Writes durably (temp file, fsync, rename, directory fsync), then prunes beyond --max-snapshots. */
  void save(Snapshot snap) throws IOException {
    byte[] body = snap.toByteArray();
    CRC32C crc = new CRC32C();
    crc.update(body);
    ByteBuffer buf = ByteBuffer.allocate(8 + body.length);
    buf.putInt((int) crc.getValue()).putInt(body.length).put(body).flip();
    String name = String.format("%016x-%016x%s", snap.getMetadata().getTerm(), snap.getMetadata().getIndex(), SUFFIX);
    Path tmp = dir.resolve(name + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
    List<Path> all = listNewestFirst();
    for (Path old : all.subList(Math.min(keep, all.size()), all.size())) {
      Files.deleteIfExists(old);
    }
  }

  /** Valid snapshots, newest first; corrupt ones are reported and skipped. */
  List<Snapshot> loadNewestFirst() throws IOException {
    List<Snapshot> out = new ArrayList<>();
    for (Path p : listNewestFirst()) {
      byte[] all = Files.readAllBytes(p);
      try {
        ByteBuffer b = ByteBuffer.wrap(all);
        int crc = b.getInt();
        int len = b.getInt();
        if (len < 0 || len != b.remaining()) {
          throw new IOException("length " + len + " does not match the file");
        }
        CRC32C c = new CRC32C();
        c.update(all, 8, len);
        if ((int) c.getValue() != crc) {
          throw new IOException("checksum mismatch");
        }
        out.add(Snapshot.parseFrom(ByteBuffer.wrap(all, 8, len)));
      } catch (IOException | RuntimeException e) {
        LOG.warn("skipping corrupt snapshot file {}: {}", p, e.getMessage());
      }
    }
    return out;
  }

  private List<Path> listNewestFirst() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      // names sort by term then index, both fixed-width hex
      return s.filter(p -> p.getFileName().toString().endsWith(SUFFIX))
          .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed()).toList();
    }
  }
}
