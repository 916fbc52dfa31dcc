package io.cairn.server.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Properties;

/**
 * The ids a member is born with. Derived once at bootstrap from etcd's flags and persisted, so a
 * restarted member keeps them even if its flags changed (as etcd keeps them in its WAL metadata).
 */
public record MemberIdentity(long memberId, long clusterId) {
  private static final String FILE = "identity";

  /** Loads the persisted identity, or derives and durably persists it on first start. */
  public static MemberIdentity loadOrCreate(Path memberDir, MemberIdentity derived) throws IOException {
    Path file = memberDir.resolve(FILE);
    if (Files.exists(file)) {
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(file)) {
        p.load(in);
      }
      try {
        return new MemberIdentity(Long.parseUnsignedLong(p.getProperty("member-id"), 16),
            Long.parseUnsignedLong(p.getProperty("cluster-id"), 16));
      } catch (RuntimeException e) {
        throw new IOException("corrupt member identity file " + file + ": " + e.getMessage(), e);
      }
    }
    Files.createDirectories(memberDir);
    Properties p = new Properties();
    p.setProperty("member-id", Long.toHexString(derived.memberId()));
    p.setProperty("cluster-id", Long.toHexString(derived.clusterId()));
    Path tmp = memberDir.resolve(FILE + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      p.store(out, "cairn member identity");
    }
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    try (FileChannel dir = FileChannel.open(memberDir, StandardOpenOption.READ)) {
      dir.force(true);
    }
    return derived;
  }
}
