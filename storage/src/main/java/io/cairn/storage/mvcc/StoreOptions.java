package io.cairn.storage.mvcc;

/** Tuning for {@link MvccStore}. Immutable; build with {@link #builder()}. */
public final class StoreOptions {
  private final boolean syncWrites;
  private final long blockCacheBytes;
  private final long writeBufferBytes;
  private final long memtableBudgetBytes;
  private final int compactionBatchOps;
  private final long maxResponseBytes;
  private final int liveCacheRows;

  private StoreOptions(Builder b) {
    this.syncWrites = b.syncWrites;
    this.blockCacheBytes = b.blockCacheBytes;
    this.writeBufferBytes = b.writeBufferBytes;
    this.memtableBudgetBytes = b.memtableBudgetBytes > 0 ? b.memtableBudgetBytes : 2 * b.writeBufferBytes;
    this.compactionBatchOps = b.compactionBatchOps;
    this.maxResponseBytes = b.maxResponseBytes;
    this.liveCacheRows = b.liveCacheRows;
  }

  public static Builder builder() {
    return new Builder();
  }

  public static StoreOptions defaults() {
    return builder().build();
  }

  /** Whether a write is fsync'ed (RocksDB WAL sync) before the write call returns. */
  public boolean syncWrites() {
    return syncWrites;
  }

  public long blockCacheBytes() {
    return blockCacheBytes;
  }

  /** Memtable size per column family. */
  public long writeBufferBytes() {
    return writeBufferBytes;
  }

  /**
   * All memtables together, every column family included (RocksDB's WriteBufferManager): past it the largest is
   * flushed. Default: two write buffers' worth. Charged to the block cache, which is sized to hold it on top of
   * {@link #blockCacheBytes}, so the store's memory stays within their sum whatever the number of families.
   */
  public long memtableBudgetBytes() {
    return memtableBudgetBytes;
  }

  /** Deletions per compaction WriteBatch: bounds the memory and the write stall of one compaction step. */
  int compactionBatchOps() {
    return compactionBatchOps;
  }

  /** The most key-value bytes one Range or Txn response may carry; beyond it the request fails. */
  public long maxResponseBytes() {
    return maxResponseBytes;
  }

  /**
   * gRPC's send limit, etcd's only bound, unless an eighth of the heap is smaller: building a response and then
   * serializing it holds it about twice, and a few such requests may run at once.
   */
  public static long defaultMaxResponseBytes() {
    return Math.min(Integer.MAX_VALUE, Runtime.getRuntime().maxMemory() / 8);
  }

  /**
   * Live keys whose newest header (create revision, version, lease, mod revision) the writer keeps in memory, so that
   * a put, delete or compare of such a key reads no RocksDB block (LiveHeaderCache). About 150 bytes of heap each.
   */
  public int liveCacheRows() {
    return liveCacheRows;
  }

  public static final class Builder {
    private boolean syncWrites = true;
    // 16 MiB of blocks plus two 16 MiB memtables' worth: 48 MiB for the whole store. RocksDB fills whatever cache it
    // is given; at 32 + 2 x 32 a member held 45 MiB more under the Kubernetes-shaped load for the same throughput,
    // and 64 + 2 x 64 bought no faster 1,000,000-key load or range than either (docs/benchmarks.md)
    private long blockCacheBytes = 16L << 20;
    private long writeBufferBytes = 16L << 20;
    private long memtableBudgetBytes;
    private int compactionBatchOps = 10_000;
    private long maxResponseBytes = defaultMaxResponseBytes();
    // 131,072 rows: about 20 MiB of heap when full
    private int liveCacheRows = 1 << 17;

    private Builder() {}

    /** 0 keeps none. */
    public Builder liveCacheRows(int rows) {
      if (rows < 0) throw new IllegalArgumentException("liveCacheRows must be >= 0");
      this.liveCacheRows = rows;
      return this;
    }

    public Builder syncWrites(boolean sync) {
      this.syncWrites = sync;
      return this;
    }

    public Builder blockCacheBytes(long bytes) {
      if (bytes <= 0) throw new IllegalArgumentException("blockCacheBytes must be > 0");
      this.blockCacheBytes = bytes;
      return this;
    }

    public Builder writeBufferBytes(long bytes) {
      if (bytes < (64 << 10)) throw new IllegalArgumentException("writeBufferBytes must be >= 64 KiB");
      this.writeBufferBytes = bytes;
      return this;
    }

    public Builder memtableBudgetBytes(long bytes) {
      if (bytes < (64 << 10)) throw new IllegalArgumentException("memtableBudgetBytes must be >= 64 KiB");
      this.memtableBudgetBytes = bytes;
      return this;
    }

    /** Package-private: tests shrink it to force many compaction batches. */
    Builder compactionBatchOps(int ops) {
      if (ops < 1) throw new IllegalArgumentException("compactionBatchOps must be >= 1");
      this.compactionBatchOps = ops;
      return this;
    }

    public Builder maxResponseBytes(long bytes) {
      if (bytes < 1) throw new IllegalArgumentException("maxResponseBytes must be >= 1");
      this.maxResponseBytes = bytes;
      return this;
    }

    public StoreOptions build() {
      return new StoreOptions(this);
    }
  }
}
