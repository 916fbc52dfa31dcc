package io.cairn.storage.mvcc;

/**
 * RocksDB's native memory at one moment, in bytes.
 *
 * @param cacheBytes the block cache's usage: data, index and filter blocks plus the memtables charged to it; bounded
 *     by {@link StoreOptions#blockCacheBytes()} + {@link StoreOptions#memtableBudgetBytes()}
 * @param pinnedBytes the part of the cache that readers or pinned metadata hold and eviction cannot free
 * @param memtableBytes every column family's memtables, active and awaiting flush (part of {@code cacheBytes})
 * @param tableReaderBytes open SST files' readers outside the cache
 */
public record StoreMemory(long cacheBytes, long pinnedBytes, long memtableBytes, long tableReaderBytes) {}
