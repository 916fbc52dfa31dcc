package io.cairn.storage.mvcc;

import com.google.protobuf.ByteString;
import io.cairn.proto.mvccpb.Event;
import io.cairn.proto.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;

/**
 * Replays the rev column family as watch events. A rev entry holds only the kind and the user key; a PUT event's
 * KeyValue is read from kv by its exact version key (same snapshot), so values are stored once.
 */
final class ChangeLog {
  private ChangeLog() {}

  /**
   * Events of revisions {@code from..upTo}, in (revision, sub) order, covering at most {@code maxRevisions} distinct
   * revisions (all events of a revision are returned together). A PUT whose version was already removed by a
   * compaction (only possible for a key written twice in the compact revision itself) is skipped.
   */
  static List<Event> read(KvDatabase db, long from, long upTo, int maxRevisions) {
    return read(db, from, upTo, maxRevisions, 0);
  }

  /** The same, also ending (at a revision boundary, after at least one revision) once {@code maxBytes} are read. */
  static List<Event> read(KvDatabase db, long from, long upTo, int maxRevisions, long maxBytes) {
    List<Event> events = new ArrayList<>();
    Snapshot snap = db.snapshot();
    try (ReadOptions ro = new ReadOptions().setSnapshot(snap); RocksIterator it = db.newIterator(db.rev, ro)) {
      long lastRev = Long.MIN_VALUE;
      int revisions = 0;
      long bytes = 0;
      for (it.seek(KeyCodec.revKey(Math.max(from, 0), 0)); it.isValid(); it.next()) {
        byte[] k = it.key();
        long rev = KeyCodec.revKeyRevision(k);
        if (rev > upTo) break;
        if (rev != lastRev) {
          if (maxRevisions > 0 && revisions == maxRevisions) break;
          if (maxBytes > 0 && bytes >= maxBytes) break;
          revisions++;
          lastRev = rev;
        }
        byte[] v = it.value();
        ByteString key = ByteString.copyFrom(v, 1, v.length - 1);
        if (v[0] == KeyCodec.KIND_TOMBSTONE) {
          bytes += key.size();
          events.add(Event.newBuilder()
              .setType(Event.EventType.DELETE)
              .setKv(KeyValue.newBuilder().setKey(key).setModRevision(rev))
              .build());
        } else {
          byte[] vk = KeyCodec.versionKey(KeyCodec.prefix(key), rev, KeyCodec.revKeySub(k), KeyCodec.KIND_PUT);
          byte[] record = db.get(db.kv, ro, vk);
          if (record == null) continue;
          KeyValue kv = VersionRecord.decode(key, rev, record, true);
          // counted as HistoryReader counts it (key and value), so it can tell a batch cut by size
          bytes += key.size() + kv.getValue().size();
          events.add(Event.newBuilder().setType(Event.EventType.PUT).setKv(kv).build());
        }
      }
    } finally {
      db.releaseSnapshot(snap);
    }
    return events;
  }
}
