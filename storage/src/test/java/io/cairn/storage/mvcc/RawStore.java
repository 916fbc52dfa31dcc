package io.cairn.storage.mvcc;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * A closed store opened as plain RocksDB with every column family, to change it behind the store's back (as an older
 * release or a crash would have left it); closing flushes what is left, so the change is in the files.
 */
final class RawStore implements AutoCloseable {
  final RocksDB db;
  private final DBOptions options;
  private final Map<String, ColumnFamilyHandle> families = new LinkedHashMap<>();

  private RawStore(DBOptions options, RocksDB db) {
    this.options = options;
    this.db = db;
  }

  static RawStore open(Path dir) throws RocksDBException {
    List<byte[]> names;
    try (Options o = new Options()) {
      names = RocksDB.listColumnFamilies(o, dir.toString());
    }
    List<ColumnFamilyDescriptor> cfs = new ArrayList<>();
    names.forEach(n -> cfs.add(new ColumnFamilyDescriptor(n)));
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    DBOptions options = new DBOptions();
    RawStore raw = new RawStore(options, RocksDB.open(options, dir.toString(), cfs, handles));
    for (int i = 0; i < names.size(); i++) {
      raw.families.put(new String(names.get(i), StandardCharsets.US_ASCII), handles.get(i));
    }
    return raw;
  }

  ColumnFamilyHandle family(String name) {
    ColumnFamilyHandle h = families.get(name);
    if (h == null) throw new IllegalArgumentException("no column family " + name);
    return h;
  }

  /** Removes a column family altogether, as a store from before it existed has none. */
  void drop(String name) throws RocksDBException {
    ColumnFamilyHandle h = family(name);
    db.dropColumnFamily(h);
    families.remove(name);
    h.close();
  }

  void putMetaFormat(long format) throws RocksDBException {
    db.put(family("meta"), KvDatabase.META_FORMAT, KeyCodec.longBytes(format));
  }

  @Override
  public void close() throws RocksDBException {
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
      db.flush(fo, new ArrayList<>(families.values()));
    } finally {
      families.values().forEach(ColumnFamilyHandle::close);
      db.close();
      options.close();
    }
  }
}
