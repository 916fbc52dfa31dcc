package io.cairn.storage.mvcc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.AbstractWriteBatch;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBatchWithIndex;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.WriteOptions;

/**
 * Owns the RocksDB instance, its column families (kv, rev, meta, lease, lease_keys, auth, kv_keys, kv_live) and
 * every native options object, and closes them in the right order. RocksDB failures surface as
 * {@link IllegalStateException}: the apply thread cannot continue after a failed write, and the server treats it as
 * fatal.
 */
final class KvDatabase implements AutoCloseable, RowSource {
  static {
    RocksDB.loadLibrary();
  }

  private static final byte[] CF_KV = "kv".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CF_REV = "rev".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CF_META = "meta".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CF_LEASE = "lease".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CF_LEASE_KEYS = "lease_keys".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CF_AUTH = "auth".getBytes(StandardCharsets.US_ASCII);
  static final byte[] CF_KV_KEYS = "kv_keys".getBytes(StandardCharsets.US_ASCII);
  static final byte[] CF_KV_LIVE = "kv_live".getBytes(StandardCharsets.US_ASCII);

  static final byte[] META_FORMAT = meta("format");
  static final byte[] META_CURRENT_REVISION = meta("current_revision");
  static final byte[] META_CONSISTENT_INDEX = meta("consistent_index");
  static final byte[] META_COMPACT_SCHEDULED = meta("compact_scheduled");
  static final byte[] META_COMPACT_FINISHED = meta("compact_finished");
  /** Live keys at the current revision, written with every batch that changes it (absent in older stores). */
  static final byte[] META_LIVE_KEYS = meta("live_keys");

  private final Path dir;
  private final List<AutoCloseable> owned = new ArrayList<>(); // closed in reverse order
  private final RocksDB db;
  private final LRUCache cache;
  final ColumnFamilyHandle kv;
  final ColumnFamilyHandle rev;
  final ColumnFamilyHandle meta;
  /** lease id → granted TTL, remaining TTL (see {@link LeaseCodec}). */
  final ColumnFamilyHandle lease;
  /** lease id + user key → empty: the keys attached to each lease. */
  final ColumnFamilyHandle leaseKeys;
  /** Users, roles, the enabled flag and the auth revision, opaque to the store (see {@link AuthWriter}). */
  final ColumnFamilyHandle auth;
  /**
   * Every kv entry's key with its version record minus the value bytes ({@link VersionRecord#header}): what
   * keys-only and count-only reads walk, so they never read values.
   */
  final ColumnFamilyHandle kvKeys;
  /**
   * Raw user key of every live key → its newest version's header and mod_revision ({@link VersionRecord#live}): what
   * a write reads to learn a key's create revision, version and lease, with one point lookup that a bloom filter
   * answers for absent keys, instead of an iterator seek over kv_keys' sorted runs.
   */
  final ColumnFamilyHandle kvLive;
  /** kv_live's rows of recently used keys, for the store's writer (see {@link LiveHeaderCache}). */
  final LiveHeaderCache liveCache;
  private final List<ColumnFamilyHandle> all;
  private final WriteOptions syncWrite;
  private final WriteOptions asyncWrite;
  /** Default read options, shared: allocating native options per read costs more than the read. */
  private final ReadOptions defaultRead;

  private static byte[] meta(String name) {
    return name.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * kv's data blocks: 16 KiB rather than RocksDB's 4 KiB, so that values of a few KiB (Kubernetes' objects) share a
   * block. At 4 KiB a range moved to a new block on every key-value, a block-cache lookup and a new block iterator
   * each ({@code ValueBlockTest}); fewer blocks also mean a smaller index in the cache.
   */
  private static final long VALUE_BLOCK_BYTES = 16 << 10;

  private KvDatabase(Path dir, StoreOptions o) throws RocksDBException {
    this.dir = dir;
    this.liveCache = new LiveHeaderCache(o.liveCacheRows());
    // one budget for the store's memory: data, index and filter blocks, plus every column family's memtables, which
    // are charged to the same cache (WriteBufferManager) and flushed, largest first, past their share
    long cacheBytes = o.blockCacheBytes() + o.memtableBudgetBytes();
    this.cache = own(new LRUCache(cacheBytes, shardBits(cacheBytes)));
    WriteBufferManager memtables = own(new WriteBufferManager(o.memtableBudgetBytes(), cache));
    BlockBasedTableConfig table = cachedMetadata(new BlockBasedTableConfig(), cache);
    ColumnFamilyOptions dataOpts = own(new ColumnFamilyOptions()
        .setWriteBufferSize(o.writeBufferBytes())
        .setTableFormatConfig(table));
    // point lookups only: a bloom filter (10 bits per key, about 1% false positives) spares absent keys the reads
    BlockBasedTableConfig pointTable = partitionedMetadata(cachedMetadata(new BlockBasedTableConfig(), cache))
        .setFilterPolicy(own(new org.rocksdb.BloomFilter(10, false)));
    ColumnFamilyOptions valueOpts = own(new ColumnFamilyOptions()
        .setWriteBufferSize(o.writeBufferBytes())
        .setTableFormatConfig(cachedMetadata(new BlockBasedTableConfig(), cache).setBlockSize(VALUE_BLOCK_BYTES)));
    ColumnFamilyOptions liveOpts = own(new ColumnFamilyOptions()
        .setWriteBufferSize(o.writeBufferBytes())
        .setTableFormatConfig(pointTable));
    ColumnFamilyOptions metaOpts = own(new ColumnFamilyOptions()
        .setWriteBufferSize(Math.min(o.writeBufferBytes(), 4L << 20))
        .setTableFormatConfig(table));
    DBOptions dbOpts = own(new DBOptions()
        .setCreateIfMissing(true)
        .setCreateMissingColumnFamilies(true)
        .setMaxBackgroundJobs(2)
        // every flush writes all column families together: the SST files then never hold one family's share of a
        // batch without the others' (the consistent index lives in meta), even when RocksDB's log is not synced
        .setAtomicFlush(true)
        .setWriteBufferManager(memtables)
        .setKeepLogFileNum(4));
    List<ColumnFamilyDescriptor> cfs = List.of(
        new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, metaOpts),
        new ColumnFamilyDescriptor(CF_KV, valueOpts),
        new ColumnFamilyDescriptor(CF_REV, dataOpts),
        new ColumnFamilyDescriptor(CF_META, metaOpts),
        // added after format 1 shipped: an older store simply gets them created empty on open
        new ColumnFamilyDescriptor(CF_LEASE, metaOpts),
        new ColumnFamilyDescriptor(CF_LEASE_KEYS, dataOpts),
        // added later still: created empty in an older store, which had no auth state
        new ColumnFamilyDescriptor(CF_AUTH, metaOpts),
        // format 2: created empty in a format-1 store, then filled from kv by StoreFormat before any use
        new ColumnFamilyDescriptor(CF_KV_KEYS, dataOpts),
        // format 3: created empty in an older store, then filled by StoreFormat before any use
        new ColumnFamilyDescriptor(CF_KV_LIVE, liveOpts));
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    RocksDB opened;
    try {
      Files.createDirectories(dir);
      opened = RocksDB.open(dbOpts, dir.toString(), cfs, handles);
    } catch (IOException e) {
      closeAll(owned); // the options objects hold native memory
      throw new UncheckedIOException(e);
    } catch (RocksDBException | RuntimeException e) {
      closeAll(owned);
      throw e;
    }
    this.db = opened;
    // close() orders these: column family handles, then the db, then the options
    owned.add(db);
    owned.addAll(handles);
    this.kv = handles.get(1);
    this.rev = handles.get(2);
    this.meta = handles.get(3);
    this.lease = handles.get(4);
    this.leaseKeys = handles.get(5);
    this.auth = handles.get(6);
    this.kvKeys = handles.get(7);
    this.kvLive = handles.get(8);
    this.all = List.of(kv, rev, meta, lease, leaseKeys, auth, kvKeys, kvLive);
    this.syncWrite = own(new WriteOptions().setSync(o.syncWrites()));
    this.asyncWrite = own(new WriteOptions().setSync(false));
    this.defaultRead = own(new ReadOptions());
  }

  /**
   * The cache's shards hold at least 4 MiB each (at most 64 shards). A block larger than its shard is dropped as soon
   * as it is used, and an unpartitioned index block grows with its SST file (a 10,000,000-key file of 4 KiB blocks:
   * about 2 MB); RocksDB's own choice, shards of 512 KiB and up, would drop those from a cache of 48 MiB.
   */
  static int shardBits(long cacheBytes) {
    int bits = 0;
    while (bits < 6 && (cacheBytes >> (bits + 1)) >= (4L << 20)) {
      bits++;
    }
    return bits;
  }

  /** Index and filter blocks live in the block cache, so the store's memory stays bounded however large it grows. */
  private static BlockBasedTableConfig cachedMetadata(BlockBasedTableConfig t, LRUCache cache) {
    return t.setBlockCache(cache)
        .setCacheIndexAndFilterBlocks(true)
        .setPinL0FilterAndIndexBlocksInCache(true);
  }

  /**
   * kv_live's filter and index, partitioned into blocks of about 4 KiB under a small pinned top level. Whole, one SST
   * file's filter grows with the file (a 2,000,000-key kv_live file: a 2.5 MB filter) past the size of a block-cache
   * shard; such a block is dropped as soon as it is used, so every put read it from the file again (measured: a
   * 3-member load fell from 5,000 to 750 puts/s at 2,100,000 keys; {@code FilterCacheTest}). Partitions are read and
   * cached one at a time. The data families have no filter, and their index blocks stay far below a shard.
   */
  private static BlockBasedTableConfig partitionedMetadata(BlockBasedTableConfig t) {
    return t.setIndexType(org.rocksdb.IndexType.kTwoLevelIndexSearch)
        .setPartitionFilters(true)
        .setMetadataBlockSize(4096)
        .setCacheIndexAndFilterBlocksWithHighPriority(true)
        .setPinTopLevelIndexAndFilter(true);
  }

  private <T extends AutoCloseable> T own(T resource) {
    owned.add(resource);
    return resource;
  }

  static KvDatabase open(Path dir, StoreOptions o) {
    try {
      KvDatabase db = new KvDatabase(dir, o);
      try {
        StoreFormat.check(db);
      } catch (RuntimeException e) {
        db.close();
        throw e;
      }
      return db;
    } catch (RocksDBException e) {
      throw new IllegalStateException("rocksdb: cannot open " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * A consistent copy of the whole database in {@code target} (hard links to the SST files plus a
   * fresh manifest; RocksDB flushes the memtables first), for sending to a member that fell behind.
   */
  void checkpoint(Path target) {
    try (org.rocksdb.Checkpoint cp = org.rocksdb.Checkpoint.create(db)) {
      cp.createCheckpoint(target.toString());
    } catch (RocksDBException e) {
      throw new IllegalStateException("mvcc: checkpoint to " + target + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Meta values of a closed database (-1 when absent), opened read-only so its files stay as they are (a checkpoint
   * still being sent, say).
   */
  static long[] readMeta(Path dir, byte[]... keys) {
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (org.rocksdb.Options listOpts = new org.rocksdb.Options(); DBOptions o = new DBOptions();
        ColumnFamilyOptions cfo = new ColumnFamilyOptions()) {
      List<byte[]> names = RocksDB.listColumnFamilies(listOpts, dir.toString());
      List<ColumnFamilyDescriptor> cfs = new ArrayList<>();
      for (byte[] n : names) cfs.add(new ColumnFamilyDescriptor(n, cfo));
      try (RocksDB ro = RocksDB.openReadOnly(o, dir.toString(), cfs, handles)) {
        long[] out = new long[keys.length];
        java.util.Arrays.fill(out, -1);
        for (int i = 0; i < names.size(); i++) {
          if (!java.util.Arrays.equals(names.get(i), CF_META)) continue;
          for (int k = 0; k < keys.length; k++) {
            byte[] v = ro.get(handles.get(i), keys[k]);
            if (v != null) out[k] = KeyCodec.getLong(v, 0);
          }
        }
        return out;
      } finally {
        handles.forEach(ColumnFamilyHandle::close);
      }
    } catch (RocksDBException e) {
      throw new IllegalStateException("rocksdb: cannot read " + dir + ": " + e.getMessage(), e);
    }
  }

  Path dir() {
    return dir;
  }

  /** Writes every memtable to SST files and waits: afterwards nothing depends on RocksDB's own WAL. */
  void flush() {
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
      db.flush(fo, all);
    } catch (RocksDBException e) {
      throw new IllegalStateException("mvcc: flush failed: " + e.getMessage(), e);
    }
  }

  /** The RocksDB handle itself, for tests that read RocksDB's own counters. */
  RocksDB rocks() {
    return db;
  }

  /** Every column family, in a fixed order. */
  List<ColumnFamilyHandle> families() {
    return all;
  }

  /** A full manual compaction of one column family (see {@link Defragmenter}). */
  void compactFamily(ColumnFamilyHandle cf, org.rocksdb.CompactRangeOptions o) throws RocksDBException {
    db.compactRange(cf, null, null, o);
  }

  @Override
  public RocksIterator newIterator(ColumnFamilyHandle cf) {
    return db.newIterator(cf);
  }

  RocksIterator newIterator(ColumnFamilyHandle cf, ReadOptions ro) {
    return db.newIterator(cf, ro);
  }

  @Override
  public byte[] get(ColumnFamilyHandle cf, byte[] key) {
    try {
      return db.get(cf, key);
    } catch (RocksDBException e) {
      throw failure("get", e);
    }
  }

  /** {@code key} as {@code batch} would leave it: its staged put or delete, else the database's value. */
  byte[] getThrough(WriteBatchWithIndex batch, ColumnFamilyHandle cf, byte[] key) {
    try {
      return batch.getFromBatchAndDB(db, cf, defaultRead, key);
    } catch (RocksDBException e) {
      throw failure("get", e);
    }
  }

  byte[] get(ColumnFamilyHandle cf, ReadOptions ro, byte[] key) {
    try {
      return db.get(cf, ro, key);
    } catch (RocksDBException e) {
      throw failure("get", e);
    }
  }

  org.rocksdb.Snapshot snapshot() {
    return db.getSnapshot();
  }

  void releaseSnapshot(org.rocksdb.Snapshot s) {
    db.releaseSnapshot(s);
  }

  long metaLong(byte[] key, long absent) {
    try {
      byte[] v = db.get(meta, key);
      return v == null ? absent : KeyCodec.getLong(v, 0);
    } catch (RocksDBException e) {
      throw failure("read meta", e);
    }
  }

  /** Writes one meta value on its own, durably. */
  void putMetaLong(byte[] key, long value) {
    try {
      db.put(meta, syncWrite, key, KeyCodec.longBytes(value));
    } catch (RocksDBException e) {
      throw failure("write meta", e);
    }
  }

  /** Removes one meta value, durably. */
  void deleteMetaKey(byte[] key) {
    try {
      db.delete(meta, syncWrite, key);
    } catch (RocksDBException e) {
      throw failure("delete meta", e);
    }
  }

  /** Writes one batch atomically; {@code durable} selects the configured sync option, else no fsync. */
  void write(AbstractWriteBatch batch, boolean durable) {
    WriteOptions wo = durable ? syncWrite : asyncWrite;
    try {
      if (batch instanceof WriteBatchWithIndex wbwi) {
        db.write(wo, wbwi);
      } else {
        db.write(wo, (WriteBatch) batch);
      }
    } catch (RocksDBException e) {
      throw failure("write", e);
    }
  }

  /**
   * The store's size: the SST files of the current LSM tree plus the memtables, which stand in for RocksDB's own
   * log holding the same writes. A flush installs its SST and drops its memtable in one step, so the figure does not
   * jump while RocksDB works (the directory's file sizes do: a flushed log and its new SST coexist for a moment).
   * Obsolete SSTs awaiting deletion and RocksDB's diagnostic LOG files are not counted.
   */
  long storeBytes() {
    long total = memtableBytes();
    for (ColumnFamilyHandle cf : all) total += property(cf, "rocksdb.live-sst-files-size");
    return total;
  }

  /** RocksDB's estimate of live (not yet obsolete) data plus memtables. */
  long liveBytes() {
    long live = memtableBytes();
    for (ColumnFamilyHandle cf : all) live += property(cf, "rocksdb.estimate-live-data-size");
    return Math.max(live, 1);
  }

  /**
   * What RocksDB's native memory holds now. The cache figure includes the memtables, which are charged to it; table
   * readers (open files' metadata outside the cache) are counted apart.
   */
  StoreMemory memory() {
    return new StoreMemory(cache.getUsage(), cache.getPinnedUsage(), memtableBytes(),
        sum("rocksdb.estimate-table-readers-mem"));
  }

  private long sum(String property) {
    long total = 0;
    for (ColumnFamilyHandle cf : all) total += property(cf, property);
    return total;
  }

  long memtableBytes() {
    return sum("rocksdb.cur-size-all-mem-tables");
  }

  private long property(ColumnFamilyHandle cf, String name) {
    // a closed handle would crash the JVM in native code, not throw; callers hold the store's guard, this is the
    // last line of defence
    if (closed) throw new IllegalStateException("rocksdb: property " + name + " read on a closed database");
    try {
      return db.getLongProperty(cf, name);
    } catch (RocksDBException e) {
      throw failure("property " + name, e);
    }
  }

  private volatile boolean closed;

  static IllegalStateException failure(String what, RocksDBException e) {
    return new IllegalStateException("rocksdb: " + what + " failed: " + e.getMessage(), e);
  }

  @Override
  public void close() {
    closed = true;
    // db.close() must run after the column family handles but before the options: order = handles, db, options
    List<AutoCloseable> handlesFirst = new ArrayList<>();
    for (AutoCloseable r : owned) if (r instanceof ColumnFamilyHandle) handlesFirst.add(r);
    handlesFirst.add(db);
    for (int i = owned.size() - 1; i >= 0; i--) {
      AutoCloseable r = owned.get(i);
      if (!(r instanceof ColumnFamilyHandle) && r != db) handlesFirst.add(r);
    }
    owned.clear();
    closeAll(handlesFirst);
  }

  private static void closeAll(List<AutoCloseable> resources) {
    for (AutoCloseable r : resources) {
      try {
        r.close();
      } catch (Exception ignored) {
        // best effort: nothing useful can be done with a failure to free native memory at shutdown
      }
    }
  }
}
