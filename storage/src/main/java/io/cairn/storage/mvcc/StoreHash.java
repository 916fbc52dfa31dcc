package io.cairn.storage.mvcc;

/**
 * A hash of the store's contents with the revisions it was taken at.
 *
 * @param hash CRC-32 (Castagnoli)
 * @param currentRevision the store's revision when the hash was taken
 * @param compactRevision the compact revision then, -1 if never compacted (etcd's compactMainRev)
 * @param hashRevision the revision the hash covers
 */
public record StoreHash(int hash, long currentRevision, long compactRevision, long hashRevision) {}
