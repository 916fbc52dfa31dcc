package io.cairn.server.backup;

import io.cairn.storage.mvcc.MvccStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A backup file's bytes read from a store checkpoint, chunk by chunk (never whole in memory): header, the files,
 * zero padding to a multiple of 512 bytes, then the SHA-256 of all that, as etcd ends its snapshot stream. Owns the
 * checkpoint directory and deletes it on close.
 */
public final class BackupSource implements AutoCloseable {
  /** etcd's snapshotSendBufferSize. */
  public static final int CHUNK = 32 * 1024;
  /** etcdctl accepts a download only if its length modulo 512 is the size of the trailing SHA-256. */
  static final int ALIGN = 512;

  private final Path checkpoint;
  private final BackupHeader header;
  private final long payloadBytes;
  private final InputStream in;
  private final MessageDigest sha = sha256();
  private long read;

  private BackupSource(Path checkpoint, BackupHeader header, byte[] headerBytes) {
    this.checkpoint = checkpoint;
    this.header = header;
    long unpadded = headerBytes.length + header.dataBytes();
    this.payloadBytes = (unpadded + ALIGN - 1) / ALIGN * ALIGN;
    List<Path> files = header.files().stream().map(f -> checkpoint.resolve(f.name())).toList();
    this.in = new SequenceInputStream(parts(headerBytes, files, new byte[(int) (payloadBytes - unpadded)]));
  }

  /** Describes the checkpoint in {@code dir} (which must hold a closed store) and reads it from the start. */
  public static BackupSource open(Path dir) throws IOException {
    BackupHeader h;
    try {
      List<BackupHeader.FileEntry> files = new ArrayList<>();
      try (Stream<Path> s = Files.list(dir)) {
        for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
          files.add(new BackupHeader.FileEntry(p.getFileName().toString(), Files.size(p)));
        }
      }
      h = new BackupHeader(MvccStore.inspect(dir), files);
    } catch (IOException | RuntimeException e) {
      deleteTree(dir);
      throw e;
    }
    return new BackupSource(dir, h, h.encode());
  }

  public BackupHeader header() {
    return header;
  }

  /** Bytes before the checksum (a multiple of 512). */
  public long payloadBytes() {
    return payloadBytes;
  }

  public long remaining() {
    return payloadBytes - read;
  }

  /** The next chunk of at most {@link #CHUNK} bytes; call only while {@link #remaining()} is positive. */
  public byte[] next() throws IOException {
    byte[] chunk = in.readNBytes((int) Math.min(CHUNK, remaining()));
    if (chunk.length == 0) {
      throw new IOException("the checkpoint's files shrank while being read");
    }
    read += chunk.length;
    sha.update(chunk);
    return chunk;
  }

  /** The SHA-256 of everything {@link #next()} returned; once {@link #remaining()} is 0. */
  public byte[] checksum() {
    return sha.digest();
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException ignored) {
      // only reading: nothing was lost
    }
    deleteTree(checkpoint);
  }

  private static Enumeration<InputStream> parts(byte[] head, List<Path> files, byte[] padding) {
    Iterator<Path> it = files.iterator();
    return new Enumeration<>() {
      private int stage; // 0 header, 1 files, 2 padding, 3 done

      @Override
      public boolean hasMoreElements() {
        return stage < 3;
      }

      @Override
      public InputStream nextElement() {
        if (stage == 0) {
          stage = it.hasNext() ? 1 : 2;
          return new ByteArrayInputStream(head);
        }
        if (stage == 1) {
          Path p = it.next();
          if (!it.hasNext()) {
            stage = 2;
          }
          try {
            return Files.newInputStream(p); // opened only when its turn comes
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
        stage = 3;
        return new ByteArrayInputStream(padding);
      }
    };
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      org.slf4j.LoggerFactory.getLogger(BackupSource.class).warn("could not remove {}: {}", dir, e.getMessage());
    }
  }
}
