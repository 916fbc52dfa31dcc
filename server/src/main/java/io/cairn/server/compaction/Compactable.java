package io.cairn.server.compaction;

/** Where an auto-compactor's compactions go (through Raft, as a client's Compact). */
@FunctionalInterface
interface Compactable {
  /** Compacts at {@code revision}; true if it was done or the store was already compacted there (etcd counts both). */
  boolean compact(long revision);
}
