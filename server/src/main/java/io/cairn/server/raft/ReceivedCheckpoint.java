package io.cairn.server.raft;

import io.cairn.proto.serverpb.CheckpointFile;
import java.nio.file.Path;
import java.util.List;

/** A store checkpoint received from the leader with its snapshot: its directory and its sealed file list. */
record ReceivedCheckpoint(Path dir, List<CheckpointFile> files) {
  ReceivedCheckpoint {
    files = List.copyOf(files);
  }
}
