package io.cairn.storage.bbolt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A bbolt database file opened read-only, at its current meta page. Pages are read on demand with positional reads,
 * so memory stays at a few pages however large the file is. Only the first {@code dataBytes} of the file are the
 * database (an etcd snapshot file has its SHA-256 after them); a page reaching past them is reported as a truncated
 * file, a page id past the meta's high-water mark as damage.
 */
public final class BoltFile implements AutoCloseable {
  /** bbolt's default, used to find meta page 1 when meta page 0 is unreadable. */
  private static final int DEFAULT_PAGE_SIZE = 4096;
  private static final int MAX_PAGE_BYTES = 256 << 20;

  private final FileChannel ch;
  private final long dataBytes;
  private final BoltMeta meta;

  private BoltFile(FileChannel ch, long dataBytes, BoltMeta meta) {
    this.ch = ch;
    this.dataBytes = dataBytes;
    this.meta = meta;
  }

  /** Opens the database in the first {@code dataBytes} of {@code file}. */
  public static BoltFile open(Path file, long dataBytes) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    try {
      return new BoltFile(ch, dataBytes, currentMeta(ch, dataBytes));
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** Whether {@code file} starts with a bbolt meta page (magic at its place), whatever else it holds. */
  public static boolean looksLikeBolt(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer b = ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      return ch.read(b, BoltPage.HEADER) == 4 && b.getInt(0) == BoltMeta.MAGIC;
    }
  }

  private static BoltMeta currentMeta(FileChannel ch, long dataBytes) throws IOException {
    BoltMeta m0 = null;
    BoltMeta m1 = null;
    String why = null;
    try {
      m0 = BoltMeta.decode(read(ch, 0, (int) Math.min(DEFAULT_PAGE_SIZE, dataBytes)), 0);
    } catch (BoltFormatException e) {
      why = e.getMessage();
    }
    int pageSize = m0 != null ? m0.pageSize() : DEFAULT_PAGE_SIZE;
    if (dataBytes >= 2L * pageSize) {
      try {
        m1 = BoltMeta.decode(read(ch, pageSize, pageSize), 0);
      } catch (BoltFormatException e) {
        why = why == null ? e.getMessage() : why;
      }
    }
    BoltMeta m = m0 == null ? m1 : m1 == null || m0.txid() >= m1.txid() ? m0 : m1;
    if (m == null) {
      throw new BoltFormatException("no valid meta page: " + why);
    }
    if (m.highWater() * m.pageSize() > dataBytes) {
      throw new BoltFormatException("file is truncated: the database has " + m.highWater() + " pages of "
          + m.pageSize() + " bytes but the file holds " + dataBytes + " bytes");
    }
    return m;
  }

  private static byte[] read(FileChannel ch, long position, int length) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(length);
    while (b.hasRemaining()) {
      if (ch.read(b, position + b.position()) < 0) {
        throw new BoltFormatException("file ends at " + (position + b.position()) + " inside a page");
      }
    }
    return b.array();
  }

  public int pageSize() {
    return meta.pageSize();
  }

  /** The transaction id of the current meta page. */
  public long txid() {
    return meta.txid();
  }

  /** bbolt's Tx.Size: the high-water page id times the page size (what etcd reports as a snapshot's size). */
  public long size() {
    return meta.highWater() * meta.pageSize();
  }

  /** The root bucket, whose entries are the top-level buckets. */
  public BoltBucket root() {
    return new BoltBucket(this, meta.rootPage(), null);
  }

  /** Page {@code id} with its overflow pages. */
  BoltPage page(long id) {
    if (id < 2 || id >= meta.highWater()) {
      throw new BoltFormatException("page id " + id + " out of range (2.." + (meta.highWater() - 1) + ")");
    }
    try {
      long at = id * meta.pageSize();
      ByteBuffer head = ByteBuffer.wrap(read(ch, at, BoltPage.HEADER)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      if (head.getLong(0) != id) {
        throw new BoltFormatException("page " + id + " carries id " + head.getLong(0));
      }
      long overflow = head.getInt(12) & 0xFFFFFFFFL;
      long bytes = (overflow + 1) * meta.pageSize();
      if (id + overflow >= meta.highWater() || bytes > MAX_PAGE_BYTES) {
        throw new BoltFormatException("page " + id + " overflows by " + overflow + " pages, past the database");
      }
      byte[] whole = read(ch, at, (int) bytes);
      return new BoltPage(whole, 0, whole.length);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    ch.close();
  }
}
