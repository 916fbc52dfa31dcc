package io.cairn.server.backup;

import io.cairn.storage.mvcc.StoreInfo;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The header of a Cairn backup file (docs/operations.md, "Backup file format"): magic, format version, what the store
 * is at, and the store's files with their sizes; the files' bytes follow it in the listed order.
 */
public record BackupHeader(StoreInfo store, List<FileEntry> files) {
  static final byte[] MAGIC = "CAIRNBAK".getBytes(StandardCharsets.US_ASCII);
  static final int FORMAT_VERSION = 1;

  /** One file of the store's directory. */
  public record FileEntry(String name, long size) {}

  /** Sum of the files' sizes. */
  public long dataBytes() {
    return files.stream().mapToLong(FileEntry::size).sum();
  }

  byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(MAGIC);
      out.writeInt(FORMAT_VERSION);
      out.writeLong(store.revision());
      out.writeLong(store.compactRevision());
      out.writeLong(store.consistentIndex());
      out.writeInt(files.size());
      for (FileEntry f : files) {
        byte[] name = f.name().getBytes(StandardCharsets.UTF_8);
        out.writeShort(name.length);
        out.write(name);
        out.writeLong(f.size());
      }
    } catch (IOException e) {
      throw new IllegalStateException(e); // in memory: cannot happen
    }
    return bytes.toByteArray();
  }

  /** Reads a header; a file that is not a Cairn backup, or a newer format, is refused with a message saying so. */
  static BackupHeader decode(DataInputStream in) throws IOException {
    byte[] magic = new byte[MAGIC.length];
    in.readFully(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new IOException("neither a Cairn backup (no CAIRNBAK header) nor an etcd snapshot (no bbolt meta page)");
    }
    int version = in.readInt();
    if (version != FORMAT_VERSION) {
      throw new IOException("unsupported backup format version " + version + " (this cairn reads " + FORMAT_VERSION + ")");
    }
    StoreInfo store = new StoreInfo(in.readLong(), in.readLong(), in.readLong());
    int n = in.readInt();
    if (n < 0 || n > 100_000) {
      throw new IOException("corrupt backup header: " + n + " files");
    }
    List<FileEntry> files = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      byte[] name = new byte[in.readUnsignedShort()];
      in.readFully(name);
      String s = new String(name, StandardCharsets.UTF_8);
      long size = in.readLong();
      if (s.isEmpty() || s.contains("/") || s.contains("\\") || s.startsWith(".") || size < 0) {
        throw new IOException("corrupt backup header: file entry '" + s + "' of " + size + " bytes");
      }
      files.add(new FileEntry(s, size));
    }
    return new BackupHeader(store, files);
  }
}
