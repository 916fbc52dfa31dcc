package io.cairn.server.raft;

import io.cairn.proto.serverpb.CheckpointFile;
import java.nio.file.Path;
import java.util.List;

/**
 * A store checkpoint received from the leader with its snapshot: its directory, its sealed file list, and the raft
 * index its store holds (at least the snapshot's: the leader checkpoints its store as it is when it sends).
 */
record ReceivedCheckpoint(Path dir, List<CheckpointFile> files, long storeIndex) {
  ReceivedCheckpoint {
    files = List.copyOf(files);
  }
}
