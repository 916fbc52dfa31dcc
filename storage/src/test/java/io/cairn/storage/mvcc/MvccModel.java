package io.cairn.storage.mvcc;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.Compare;
import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.proto.etcdserverpb.CompactionResponse;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.DeleteRangeResponse;
import io.cairn.proto.etcdserverpb.LeaseCheckpointResponse;
import io.cairn.proto.etcdserverpb.LeaseGrantResponse;
import io.cairn.proto.etcdserverpb.LeaseRevokeResponse;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.PutResponse;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.ResponseHeader;
import io.cairn.proto.etcdserverpb.ResponseOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.TxnResponse;
import io.cairn.proto.mvccpb.Event;
import io.cairn.proto.mvccpb.KeyValue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The reference model for {@link MvccStoreModelTest}: etcd's semantics written as plainly as possible over a
 * TreeMap of per-key histories, with no physical compaction (history below the compact revision is only hidden).
 * Request-shape validation of txns is delegated to {@link RequestValidation}, which has its own tests.
 */
final class MvccModel {
  static final Comparator<ByteString> BYTES = ByteString.unsignedLexicographicalComparator();

  /** One change of a key; kv == null is a deletion. */
  record Ver(long rev, int sub, KeyValue kv) {}

  TreeMap<ByteString, List<Ver>> hist = new TreeMap<>(BYTES);
  long rev = 1;
  long compact = -1; // -1: never compacted
  long ci = 0;
  /** Lease id → {granted TTL, remaining TTL}. */
  TreeMap<Long, long[]> leases = new TreeMap<>();

  private MvccModel snapshot() {
    MvccModel m = new MvccModel();
    for (Map.Entry<ByteString, List<Ver>> e : hist.entrySet()) m.hist.put(e.getKey(), new ArrayList<>(e.getValue()));
    m.rev = rev;
    m.compact = compact;
    m.ci = ci;
    for (Map.Entry<Long, long[]> e : leases.entrySet()) m.leases.put(e.getKey(), e.getValue().clone());
    return m;
  }

  private void restore(MvccModel m) {
    hist = m.hist;
    rev = m.rev;
    compact = m.compact;
    ci = m.ci;
    leases = m.leases;
  }

  long compactRevision() {
    return Math.max(compact, 0);
  }

  // ------------------------------------------------------------------------------------------- reads

  KeyValue at(ByteString key, long r) {
    List<Ver> vs = hist.get(key);
    if (vs == null) return null;
    for (int i = vs.size() - 1; i >= 0; i--) {
      if (vs.get(i).rev() <= r) return vs.get(i).kv();
    }
    return null;
  }

  static boolean inRange(ByteString k, ByteString key, ByteString end) {
    if (end.isEmpty()) return k.equals(key);
    if (end.size() == 1 && end.byteAt(0) == 0) return BYTES.compare(k, key) >= 0;
    return BYTES.compare(k, key) >= 0 && BYTES.compare(k, end) < 0;
  }

  List<KeyValue> live(ByteString key, ByteString end, long r) {
    List<KeyValue> out = new ArrayList<>();
    for (ByteString k : hist.keySet()) {
      if (!inRange(k, key, end)) continue;
      KeyValue kv = at(k, r);
      if (kv != null) out.add(kv);
    }
    return out;
  }

  static ResponseHeader header(long r) {
    return ResponseHeader.newBuilder().setRevision(r).build();
  }

  RangeResponse range(RangeRequest q) {
    if (q.getSortOrderValue() < 0 || q.getSortOrderValue() > 2 || q.getSortTargetValue() < 0
        || q.getSortTargetValue() > 4) {
      throw MvccException.invalid(MvccException.INVALID_SORT);
    }
    return rangeAt(q, rev);
  }

  private RangeResponse rangeAt(RangeRequest q, long cur) {
    if (q.getRevision() > cur) throw MvccException.futureRev();
    long r = q.getRevision() <= 0 ? cur : q.getRevision();
    if (r < compact) throw MvccException.compacted();
    List<KeyValue> all = live(q.getKey(), q.getRangeEnd(), r);
    RangeResponse.Builder b = RangeResponse.newBuilder().setHeader(header(cur)).setCount(all.size());
    if (q.getCountOnly()) return b.build();
    boolean sortOrFilter = q.getSortOrder() != RangeRequest.SortOrder.NONE || q.getMinModRevision() != 0
        || q.getMaxModRevision() != 0 || q.getMinCreateRevision() != 0 || q.getMaxCreateRevision() != 0;
    List<KeyValue> kvs = new ArrayList<>(all);
    if (!sortOrFilter && q.getLimit() > 0 && kvs.size() > q.getLimit() + 1) {
      kvs = new ArrayList<>(kvs.subList(0, (int) q.getLimit() + 1));
    }
    kvs.removeIf(kv -> q.getMaxModRevision() != 0 && kv.getModRevision() > q.getMaxModRevision());
    kvs.removeIf(kv -> q.getMinModRevision() != 0 && kv.getModRevision() < q.getMinModRevision());
    kvs.removeIf(kv -> q.getMaxCreateRevision() != 0 && kv.getCreateRevision() > q.getMaxCreateRevision());
    kvs.removeIf(kv -> q.getMinCreateRevision() != 0 && kv.getCreateRevision() < q.getMinCreateRevision());
    RangeRequest.SortOrder order = q.getSortOrder();
    RangeRequest.SortTarget target = q.getSortTarget();
    if (target != RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.NONE) order = RangeRequest.SortOrder.ASCEND;
    if (order != RangeRequest.SortOrder.NONE) {
      Comparator<KeyValue> c = switch (target) {
        case KEY -> Comparator.comparing(KeyValue::getKey, BYTES);
        case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
        case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
        case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
        case VALUE -> Comparator.comparing(KeyValue::getValue, BYTES);
        default -> throw new AssertionError(target);
      };
      kvs.sort(order == RangeRequest.SortOrder.DESCEND ? c.reversed() : c);
    }
    if (q.getLimit() > 0 && kvs.size() > q.getLimit()) {
      kvs = kvs.subList(0, (int) q.getLimit());
      b.setMore(true);
    }
    for (KeyValue kv : kvs) b.addKvs(q.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
    return b.build();
  }

  List<Event> changesSince(long from, int maxRevisions) {
    if (from < compactRevision()) throw MvccException.compacted();
    List<Ver> all = new ArrayList<>();
    for (Map.Entry<ByteString, List<Ver>> e : hist.entrySet()) {
      for (Ver v : e.getValue()) {
        if (v.rev() >= from) {
          all.add(v.kv() != null ? v
              : new Ver(v.rev(), v.sub(), KeyValue.newBuilder().setKey(e.getKey()).setModRevision(v.rev()).build()));
        }
      }
    }
    // deletions were rewritten with a kv carrying only key + mod_revision; recover the type from the version
    all.sort(Comparator.comparingLong(Ver::rev).thenComparingInt(Ver::sub));
    List<Event> out = new ArrayList<>();
    long last = Long.MIN_VALUE;
    int revisions = 0;
    for (Ver v : all) {
      if (v.rev() != last) {
        if (maxRevisions > 0 && revisions == maxRevisions) break;
        revisions++;
        last = v.rev();
      }
      boolean delete = v.kv().getVersion() == 0;
      out.add(Event.newBuilder().setType(delete ? Event.EventType.DELETE : Event.EventType.PUT).setKv(v.kv()).build());
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------- writes

  /** The write in progress: revision rev+1, sub-revisions in op order. */
  private final class Tx {
    final long begin = rev;
    int sub;

    boolean changed() {
      return sub > 0;
    }

    long readRev() {
      return changed() ? begin + 1 : begin;
    }

    long writeRev() {
      return begin + 1;
    }

    void end() {
      if (changed()) rev = begin + 1;
    }
  }

  private boolean replay(long index) {
    return index != 0 && index <= ci;
  }

  private void advance(long index) {
    ci = Math.max(ci, index);
  }

  PutResponse put(PutRequest p, long index) {
    if (p.getIgnoreValue() && !p.getValue().isEmpty()) throw MvccException.invalid(MvccException.VALUE_PROVIDED);
    if (p.getIgnoreLease() && p.getLease() != 0) throw MvccException.invalid(MvccException.LEASE_PROVIDED);
    if (replay(index)) return PutResponse.newBuilder().setHeader(header(rev)).build();
    if (p.getLease() != 0 && !leases.containsKey(p.getLease())) throw MvccException.leaseNotFound();
    Tx t = new Tx();
    PutResponse r = put(t, p);
    t.end();
    advance(index);
    return r;
  }

  private PutResponse put(Tx t, PutRequest p) {
    KeyValue prev = at(p.getKey(), t.readRev());
    if ((p.getIgnoreValue() || p.getIgnoreLease()) && prev == null) throw MvccException.keyNotFound();
    KeyValue kv = KeyValue.newBuilder()
        .setKey(p.getKey())
        .setValue(p.getIgnoreValue() ? prev.getValue() : p.getValue())
        .setLease(p.getIgnoreLease() ? prev.getLease() : p.getLease())
        .setCreateRevision(prev == null ? t.writeRev() : prev.getCreateRevision())
        .setVersion(prev == null ? 1 : prev.getVersion() + 1)
        .setModRevision(t.writeRev())
        .build();
    hist.computeIfAbsent(p.getKey(), k -> new ArrayList<>()).add(new Ver(t.writeRev(), t.sub++, kv));
    PutResponse.Builder b = PutResponse.newBuilder().setHeader(header(t.writeRev()));
    if (p.getPrevKv() && prev != null) b.setPrevKv(prev);
    return b.build();
  }

  DeleteRangeResponse deleteRange(DeleteRangeRequest d, long index) {
    if (replay(index)) return DeleteRangeResponse.newBuilder().setHeader(header(rev)).build();
    Tx t = new Tx();
    DeleteRangeResponse r = delete(t, d);
    t.end();
    advance(index);
    return r;
  }

  private DeleteRangeResponse delete(Tx t, DeleteRangeRequest d) {
    List<KeyValue> victims = live(d.getKey(), d.getRangeEnd(), t.readRev());
    for (KeyValue v : victims) hist.get(v.getKey()).add(new Ver(t.writeRev(), t.sub++, null));
    DeleteRangeResponse.Builder b = DeleteRangeResponse.newBuilder().setDeleted(victims.size())
        .setHeader(header(t.changed() ? t.writeRev() : t.begin));
    if (d.getPrevKv()) b.addAllPrevKvs(victims);
    return b.build();
  }

  TxnResponse txn(TxnRequest q, long index) {
    RequestValidation.validateTxn(q, Integer.MAX_VALUE);
    if (replay(index)) return TxnResponse.newBuilder().setHeader(header(rev)).build();
    MvccModel before = snapshot();
    try {
      Tx t = new Tx();
      List<Boolean> path = new ArrayList<>();
      decide(q, path);
      check(q, path, new int[] {0});
      TxnResponse.Builder b = run(q, path, new int[] {0}, t);
      t.end();
      advance(index);
      return b.setHeader(header(rev)).build();
    } catch (RuntimeException e) {
      restore(before);
      throw e;
    }
  }

  /** Depth-first list of branch decisions (outer first), all against the state before the txn. */
  private void decide(TxnRequest q, List<Boolean> path) {
    boolean ok = true;
    for (Compare c : q.getCompareList()) ok &= holds(c);
    path.add(ok);
    for (RequestOp op : ok ? q.getSuccessList() : q.getFailureList()) {
      if (op.hasRequestTxn()) decide(op.getRequestTxn(), path);
    }
  }

  private boolean holds(Compare c) {
    List<KeyValue> kvs = live(c.getKey(), c.getRangeEnd(), rev);
    if (kvs.isEmpty()) {
      return c.getTarget() != Compare.CompareTarget.VALUE && compare(c, KeyValue.getDefaultInstance());
    }
    return kvs.stream().allMatch(kv -> compare(c, kv));
  }

  private static boolean compare(Compare c, KeyValue kv) {
    int r = switch (c.getTarget()) {
      case VERSION -> Long.compare(kv.getVersion(), c.getTargetUnionCase() == Compare.TargetUnionCase.VERSION ? c.getVersion() : 0);
      case CREATE -> Long.compare(kv.getCreateRevision(),
          c.getTargetUnionCase() == Compare.TargetUnionCase.CREATE_REVISION ? c.getCreateRevision() : 0);
      case MOD -> Long.compare(kv.getModRevision(),
          c.getTargetUnionCase() == Compare.TargetUnionCase.MOD_REVISION ? c.getModRevision() : 0);
      case VALUE -> BYTES.compare(kv.getValue(),
          c.getTargetUnionCase() == Compare.TargetUnionCase.VALUE ? c.getValue() : ByteString.EMPTY);
      case LEASE -> Long.compare(kv.getLease(), c.getTargetUnionCase() == Compare.TargetUnionCase.LEASE ? c.getLease() : 0);
      default -> 0;
    };
    return switch (c.getResult()) {
      case EQUAL -> r == 0;
      case NOT_EQUAL -> r != 0;
      case GREATER -> r > 0;
      case LESS -> r < 0;
      default -> true;
    };
  }

  private void check(TxnRequest q, List<Boolean> path, int[] pos) {
    boolean ok = path.get(pos[0]++);
    for (RequestOp op : ok ? q.getSuccessList() : q.getFailureList()) {
      switch (op.getRequestCase()) {
        case REQUEST_RANGE -> {
          long r = op.getRequestRange().getRevision();
          if (r != 0 && r > rev) throw MvccException.futureRev();
          if (r != 0 && r < compact) throw MvccException.compacted();
        }
        case REQUEST_PUT -> {
          PutRequest p = op.getRequestPut();
          if ((p.getIgnoreValue() || p.getIgnoreLease()) && at(p.getKey(), rev) == null) {
            throw MvccException.keyNotFound();
          }
          if (p.getLease() != 0 && !leases.containsKey(p.getLease())) throw MvccException.leaseNotFound();
        }
        case REQUEST_TXN -> check(op.getRequestTxn(), path, pos);
        default -> { }
      }
    }
  }

  private TxnResponse.Builder run(TxnRequest q, List<Boolean> path, int[] pos, Tx t) {
    boolean ok = path.get(pos[0]++);
    TxnResponse.Builder b = TxnResponse.newBuilder().setSucceeded(ok);
    for (RequestOp op : ok ? q.getSuccessList() : q.getFailureList()) {
      ResponseOp.Builder r = ResponseOp.newBuilder();
      switch (op.getRequestCase()) {
        case REQUEST_RANGE -> r.setResponseRange(rangeAt(op.getRequestRange(), t.readRev()));
        case REQUEST_PUT -> r.setResponsePut(put(t, op.getRequestPut()));
        case REQUEST_DELETE_RANGE -> r.setResponseDeleteRange(delete(t, op.getRequestDeleteRange()));
        case REQUEST_TXN -> r.setResponseTxn(run(op.getRequestTxn(), path, pos, t).setHeader(ResponseHeader.newBuilder()));
        default -> { }
      }
      b.addResponses(r);
    }
    return b;
  }

  CompactionResponse compact(CompactionRequest c, long index) {
    if (replay(index)) return CompactionResponse.newBuilder().setHeader(header(rev)).build();
    if (c.getRevision() <= compact) throw MvccException.compacted();
    if (c.getRevision() > rev) throw MvccException.futureRev();
    compact = c.getRevision();
    advance(index);
    return CompactionResponse.newBuilder().setHeader(header(rev)).build();
  }

  // ------------------------------------------------------------------------------------------- leases

  LeaseGrantResponse leaseGrant(long id, long ttl, long index) {
    if (id == 0) throw MvccException.leaseNotFound();
    if (ttl > MvccStore.MAX_LEASE_TTL) throw MvccException.leaseTtlTooLarge();
    if (replay(index)) return LeaseGrantResponse.newBuilder().setHeader(header(rev)).build();
    if (leases.containsKey(id)) throw MvccException.leaseExists();
    leases.put(id, new long[] {ttl, 0});
    advance(index);
    return LeaseGrantResponse.newBuilder().setHeader(header(rev)).setID(id).setTTL(ttl).build();
  }

  /** Deletes the live keys carrying the lease, in key order, in one revision; then the lease. */
  LeaseRevokeResponse leaseRevoke(long id, long index) {
    if (replay(index)) return LeaseRevokeResponse.newBuilder().setHeader(header(rev)).build();
    if (!leases.containsKey(id)) throw MvccException.leaseNotFound();
    Tx t = new Tx();
    for (ByteString k : leaseKeys(id)) hist.get(k).add(new Ver(t.writeRev(), t.sub++, null));
    t.end();
    leases.remove(id);
    advance(index);
    return LeaseRevokeResponse.newBuilder().setHeader(header(rev)).build();
  }

  LeaseCheckpointResponse leaseCheckpoint(long id, long remaining, long index) {
    if (replay(index)) return LeaseCheckpointResponse.newBuilder().setHeader(header(rev)).build();
    long[] l = leases.get(id);
    if (l != null) l[1] = remaining;
    advance(index);
    return LeaseCheckpointResponse.newBuilder().setHeader(header(rev)).build();
  }

  List<LeaseRecord> leaseList() {
    List<LeaseRecord> out = new ArrayList<>();
    for (Map.Entry<Long, long[]> e : leases.entrySet()) {
      out.add(new LeaseRecord(e.getKey(), e.getValue()[0], e.getValue()[1]));
    }
    return out;
  }

  /** The truth the store's lease_keys index must match: live keys whose current version carries the lease. */
  List<ByteString> leaseKeys(long id) {
    List<ByteString> out = new ArrayList<>();
    for (KeyValue kv : live(bs0(), bs0(), rev)) if (kv.getLease() == id) out.add(kv.getKey());
    return out;
  }

  private static ByteString bs0() {
    return ByteString.copyFrom(new byte[] {0});
  }
}
