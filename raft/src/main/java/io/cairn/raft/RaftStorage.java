package io.cairn.raft;

import io.cairn.proto.raftpb.ConfState;
import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.raftpb.HardState;
import io.cairn.proto.raftpb.Snapshot;
import java.util.List;

/**
 * What raft reads from durable storage. Raft never writes through this interface: the
 * application persists each {@link Ready} and keeps this view in sync. Methods signal missing
 * data with {@link RaftException} codes COMPACTED, UNAVAILABLE or SNAPSHOT_TEMPORARILY_UNAVAILABLE.
 */
public interface RaftStorage {
  /** The persisted hard state and the configuration as of the latest snapshot. */
  InitialState initialState();

  /** Entries in {@code [lo, hi)}, at least one if any, with total size at most maxBytes. */
  List<Entry> entries(long lo, long hi, long maxBytes);

  /** Term of entry {@code i}; valid for {@code firstIndex()-1 <= i <= lastIndex()}. */
  long term(long i);

  /** Index of the first entry available (the snapshot index + 1). */
  long firstIndex();

  /** Index of the last entry (the snapshot index if the log is empty). */
  long lastIndex();

  /** The most recent snapshot. */
  Snapshot snapshot();

  /** Hard state and configuration read at start-up. */
  record InitialState(HardState hardState, ConfState confState) {}
}
