package io.cairn.server.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;

/**
 * Alters a stopped member's store on disk, as a bad disk or a bug would: finds the stored versions whose value is
 * {@code from} in the kv column family and rewrites their value bytes to {@code to} in place (same revision, same
 * key), so only a hash over the data can tell.
 */
final class StoreTamper {
  private StoreTamper() {}

  /** Returns how many versions were changed. */
  static int replaceValue(Path dataDir, byte[] from, byte[] to) throws Exception {
    RocksDB.loadLibrary();
    String dir = dataDir.resolve("member").resolve("store").toString();
    List<byte[]> names;
    try (Options o = new Options()) {
      names = RocksDB.listColumnFamilies(o, dir);
    }
    List<ColumnFamilyDescriptor> cfs = new ArrayList<>();
    names.forEach(n -> cfs.add(new ColumnFamilyDescriptor(n)));
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    int changed = 0;
    try (DBOptions o = new DBOptions(); RocksDB db = RocksDB.open(o, dir, cfs, handles)) {
      ColumnFamilyHandle kv = null;
      for (int i = 0; i < names.size(); i++) {
        if (new String(names.get(i)).equals("kv")) {
          kv = handles.get(i);
        }
      }
      if (kv == null) {
        throw new IllegalStateException("no kv column family in " + dir);
      }
      try (RocksIterator it = db.newIterator(kv)) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          byte[] v = it.value();
          if (v.length >= from.length && Arrays.equals(v, v.length - from.length, v.length, from, 0, from.length)) {
            byte[] altered = Arrays.copyOf(v, v.length - from.length + to.length);
            System.arraycopy(to, 0, altered, v.length - from.length, to.length);
            db.put(kv, it.key(), altered);
            changed++;
          }
        }
      }
      db.flush(new org.rocksdb.FlushOptions().setWaitForFlush(true), handles);
    } finally {
      handles.forEach(ColumnFamilyHandle::close);
    }
    return changed;
  }
}
