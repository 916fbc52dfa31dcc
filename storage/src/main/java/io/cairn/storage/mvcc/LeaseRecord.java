package io.cairn.storage.mvcc;

/**
 * A persisted lease: its id, the granted TTL in seconds, and the remaining TTL recorded by the last checkpoint
 * (0 = none; a new leader then starts the lease from its full TTL, as etcd does).
 */
public record LeaseRecord(long id, long ttl, long remainingTtl) {}
