package io.cairn.storage.mvcc;

/**
 * What a closed store (a checkpoint, a restored backup) is at.
 *
 * @param revision its current revision
 * @param compactRevision its compact revision, -1 if never compacted
 * @param consistentIndex the raft index it has applied through
 */
public record StoreInfo(long revision, long compactRevision, long consistentIndex) {}
