package io.cairn.raft;

/** Maps a voter id to the highest index it has acknowledged, or -1 if unknown. */
@FunctionalInterface
interface AckedIndexer {
  long ackedIndex(long id);
}
