package io.cairn.server.raft;

import io.cairn.proto.serverpb.MemberRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/** Writes a new member's raft log ahead of its first start, as the start path would (used by snapshot restore). */
public final class LogBootstrap {
  private LogBootstrap() {}

  /** The WAL metadata: ties the log to one member of one cluster. */
  static byte[] walMetadata(long memberId, long clusterId) {
    return ByteBuffer.allocate(16).putLong(memberId).putLong(clusterId).array();
  }

  /**
   * Creates {@code memberDir}/wal holding etcd's bootstrap (one committed ConfChange per member at term 1) and an
   * empty snap directory. The member then starts as a restart of a member that has not applied its bootstrap yet.
   */
  public static void bootstrap(Path memberDir, long memberId, long clusterId, List<MemberRecord> members)
      throws IOException {
    if (members.isEmpty()) {
      throw new IllegalArgumentException("a bootstrap needs at least one member");
    }
    DurableLog.open(memberDir.resolve("wal"), memberDir.resolve("snap"), 0, walMetadata(memberId, clusterId), members,
        nanos -> { }, 0).close();
  }
}
