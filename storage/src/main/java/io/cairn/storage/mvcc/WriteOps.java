package io.cairn.storage.mvcc;

import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.DeleteRangeResponse;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.PutResponse;
import io.cairn.proto.etcdserverpb.ResponseHeader;
import io.cairn.proto.mvccpb.KeyValue;
import org.rocksdb.RocksIterator;

/**
 * etcd's {@code put} and {@code deleteRange} (server/etcdserver/txn) against a {@link WriteTxn}, shared by the
 * top-level requests and txn ops. Lease existence is checked by the callers, as etcd does.
 */
final class WriteOps {
  private WriteOps() {}

  static PutResponse put(WriteTxn w, PutRequest p) {
    PutResponse.Builder resp = PutResponse.newBuilder();
    KeyValue prev = null;
    if (p.getIgnoreValue() || p.getIgnoreLease() || p.getPrevKv()) prev = w.get(p.getKey());
    if ((p.getIgnoreValue() || p.getIgnoreLease()) && prev == null) throw MvccException.keyNotFound();
    if (p.getPrevKv() && prev != null) resp.setPrevKv(prev);
    w.put(p.getKey(),
        p.getIgnoreValue() ? prev.getValue() : p.getValue(),
        p.getIgnoreLease() ? prev.getLease() : p.getLease());
    return resp.setHeader(ResponseHeader.newBuilder().setRevision(w.writeRev())).build();
  }

  static DeleteRangeResponse deleteRange(WriteTxn w, DeleteRangeRequest d) {
    DeleteRangeResponse.Builder resp = DeleteRangeResponse.newBuilder();
    KeyRange range = KeyRange.of(d.getKey(), d.getRangeEnd());
    if (d.getPrevKv()) {
      try (RocksIterator it = w.newIterator()) {
        RangeReader.forEachLive(it, range, w.readRev(), (k, i) -> {
          resp.addPrevKvs(VersionRecord.decode(KeyCodec.userKey(k), KeyCodec.revision(k), i.value(), true));
          return true;
        });
      }
    }
    long deleted = w.deleteRange(range);
    // etcd: the txn's revision if this or an earlier op of the txn changed something, else the current one
    long rev = w.hasChanges() ? w.writeRev() : w.beginRev();
    return resp.setDeleted(deleted).setHeader(ResponseHeader.newBuilder().setRevision(rev)).build();
  }
}
