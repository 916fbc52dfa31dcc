package io.cairn.server.raft;

import io.cairn.proto.serverpb.SnapshotRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshots in member/snap. Each is a metadata file {@code <term>-<index>.snap} (a CRC-32C and a
 * {@link SnapshotRecord}: index, term, configuration, membership, and the description of its store checkpoint) and,
 * for snapshots this member took, a RocksDB checkpoint directory {@code <index>.ckpt}. A snapshot is valid only if
 * its file passes the checksum and its checkpoint matches the description (see {@link Checkpoints}).
 *
 * <p>Retention: at most two snapshots (fewer if --max-snapshots says so): every checkpoint pins the store files it
 * links, and the WAL is kept from the oldest retained snapshot on, so the older one is the fallback when the newest
 * is damaged.
 */
final class SnapshotFiles {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotFiles.class);
  private static final String SUFFIX = ".snap";
  private static final String CHECKPOINT_SUFFIX = ".ckpt";

  private final Path dir;
  private final int keep;

  SnapshotFiles(Path dir, int maxSnapshots) throws IOException {
    this.dir = dir;
    this.keep = retained(maxSnapshots);
    Files.createDirectories(dir);
  }

  /** etcd's --max-snapshots (0 = unlimited) capped at two, as the class comment explains. */
  static int retained(int maxSnapshots) {
    return maxSnapshots <= 0 ? 2 : Math.min(maxSnapshots, 2);
  }

  /** Where the checkpoint for a snapshot at {@code index} goes (it must not exist yet). */
  static Path checkpointDir(Path snapDir, long index) {
    return snapDir.resolve(String.format("%016x%s", index, CHECKPOINT_SUFFIX));
  }

  Path checkpointFor(long index) {
    return checkpointDir(dir, index);
  }

  Path checkpointOf(SnapshotRecord r) {
    return dir.resolve(r.getCheckpoint());
  }

  /**
   * Writes durably (temp file, fsync, rename, directory fsync), then removes snapshots beyond the retention with
   * their checkpoints.
   */
  void save(SnapshotRecord rec) throws IOException {
    byte[] body = rec.toByteArray();
    CRC32C crc = new CRC32C();
    crc.update(body);
    ByteBuffer buf = ByteBuffer.allocate(8 + body.length);
    buf.putInt((int) crc.getValue()).putInt(body.length).put(body).flip();
    var meta = rec.getSnapshot().getMetadata();
    String name = String.format("%016x-%016x%s", meta.getTerm(), meta.getIndex(), SUFFIX);
    Path tmp = dir.resolve(name + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    Checkpoints.syncDir(dir);
    List<Path> all = listNewestFirst();
    for (Path old : all.subList(Math.min(keep, all.size()), all.size())) {
      Files.deleteIfExists(old);
    }
    // the pruned snapshots' checkpoints (thousands of hard links) are deleted by the snapshot thread, not here
  }

  /** The index of the oldest snapshot kept: the WAL must still hold every entry after it. */
  long oldestRetainedIndex() throws IOException {
    List<Path> all = listNewestFirst();
    return all.isEmpty() ? 0 : indexOf(all.get(all.size() - 1));
  }

  /** Valid snapshots, newest first; damaged ones (file or checkpoint) are reported and skipped. */
  List<SnapshotRecord> loadNewestFirst() throws IOException {
    List<SnapshotRecord> out = new ArrayList<>();
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
        SnapshotRecord rec = SnapshotRecord.parseFrom(ByteBuffer.wrap(all, 8, len));
        if (!rec.getCheckpoint().isEmpty()) {
          Checkpoints.verify(checkpointOf(rec), rec.getFilesList());
        }
        out.add(rec);
      } catch (IOException | RuntimeException e) {
        LOG.warn("skipping damaged snapshot {}: {}", p, e.getMessage());
      }
    }
    return out;
  }

  /**
   * Deletes checkpoint directories no snapshot file names (left by pruning), except a newer one the snapshot thread
   * may be writing for the next snapshot. Called on the snapshot thread after a snapshot was recorded, so the
   * deletions never hold up the raft thread.
   */
  void removeUnreferencedCheckpoints() throws IOException {
    removeCheckpoints(false);
  }

  /**
   * At start-up, when nothing is being written: also removes a checkpoint newer than every snapshot (a crash
   * between checkpoint and snapshot file) and checkpoints left from sending to or receiving from another member.
   */
  void removeOrphans() throws IOException {
    removeCheckpoints(true);
  }

  private void removeCheckpoints(boolean startUp) throws IOException {
    Set<String> referenced = new HashSet<>();
    long newest = 0;
    for (Path p : listNewestFirst()) {
      referenced.add(checkpointDir(dir, indexOf(p)).getFileName().toString());
      newest = Math.max(newest, indexOf(p));
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(Files::isDirectory).toList()) {
        String name = p.getFileName().toString();
        boolean stale;
        if (name.endsWith(CHECKPOINT_SUFFIX)) {
          long idx = Long.parseUnsignedLong(name.substring(0, name.length() - CHECKPOINT_SUFFIX.length()), 16);
          stale = !referenced.contains(name) && (startUp || idx <= newest);
        } else {
          stale = startUp && (name.startsWith("send-") || name.startsWith("incoming-"));
        }
        if (stale) {
          LOG.info("removing unused checkpoint {}", p);
          Checkpoints.deleteTree(p);
        }
      }
    }
  }

  private static long indexOf(Path snapFile) {
    String name = snapFile.getFileName().toString();
    return Long.parseUnsignedLong(name.substring(17, 33), 16);
  }

  private List<Path> listNewestFirst() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      // names sort by term then index, both fixed-width hex
      return s.filter(p -> p.getFileName().toString().endsWith(SUFFIX))
          .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed()).toList();
    }
  }
}
