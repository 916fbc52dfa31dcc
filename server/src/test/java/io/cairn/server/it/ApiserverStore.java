package io.cairn.server.it;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.Compare;
import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.LeaseGrantRequest;
import io.cairn.proto.etcdserverpb.LeaseGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RangeResponse;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.TxnResponse;
import io.cairn.proto.mvccpb.KeyValue;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The Kubernetes apiserver's etcd calls in their exact shapes (docs: etcd-v3-api.md section 6, from
 * k8s.io/apiserver storage/etcd3/store.go and compact.go), on the raw gRPC stubs. A call that fails moves this
 * client to the next member, as clientv3's balancer does; the caller decides whether to retry.
 */
final class ApiserverStore implements AutoCloseable {
  static final String COMPACT_REV_KEY = "compact_rev_key";
  private static final long DEADLINE_MS = 5_000;

  /** An acknowledged write: the txn's header revision, the key, and what it wrote (value null for a delete). */
  record Ack(long revision, String key, String value, long lease) {
    boolean delete() {
      return value == null;
    }
  }

  /** One paginated List at a fixed revision: the first page's header revision, the keys in order, the pages. */
  record Listed(long revision, Map<String, KeyValue> kvs, int pages) { }

  private final List<String> endpoints;
  private final ManagedChannel[] channels;
  private int current;

  ApiserverStore(List<String> endpoints, int first) {
    this.endpoints = endpoints;
    this.channels = new ManagedChannel[endpoints.size()];
    for (int i = 0; i < channels.length; i++) {
      channels[i] = ManagedChannelBuilder.forTarget(endpoints.get(i)).usePlaintext().build();
    }
    this.current = first % endpoints.size();
  }

  static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  static String s(ByteString b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  /** The end of the range of keys starting with {@code prefix} (clientv3.GetPrefixRangeEnd). */
  static String prefixEnd(String prefix) {
    return prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1);
  }

  static boolean compacted(Throwable t) {
    return t instanceof StatusRuntimeException e && e.getStatus().getCode() == Status.Code.OUT_OF_RANGE
        && String.valueOf(e.getStatus().getDescription()).contains("required revision has been compacted");
  }

  /** One attempt on the current member; any failure but a compacted or future revision moves to the next. */
  private synchronized <T> T call(Function<KVGrpc.KVBlockingStub, T> rpc) {
    ManagedChannel ch = channels[current];
    try {
      return rpc.apply(KVGrpc.newBlockingStub(ch).withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.OUT_OF_RANGE) {
        current = (current + 1) % channels.length;
      }
      throw e;
    }
  }

  long grantLease(long ttl) {
    ManagedChannel ch;
    synchronized (this) {
      ch = channels[current];
    }
    return LeaseGrpc.newBlockingStub(ch).withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS)
        .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build()).getID();
  }

  private static Compare mod(String key, long rev) {
    return Compare.newBuilder().setKey(b(key)).setTarget(Compare.CompareTarget.MOD)
        .setResult(Compare.CompareResult.EQUAL).setModRevision(rev).build();
  }

  private static RequestOp put(String key, String value, long lease) {
    return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(key)).setValue(b(value))
        .setLease(lease)).build();
  }

  private static RequestOp rangeOp(String key) {
    return RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(b(key))).build();
  }

  /** Get: Range(key, limit=1); the object, or null when absent. */
  KeyValue get(String key) {
    RangeResponse r = call(kv -> kv.range(RangeRequest.newBuilder().setKey(b(key)).setLimit(1).build()));
    return r.getKvsCount() == 0 ? null : r.getKvs(0);
  }

  /** Create: Txn(MOD(key) == 0; success Put(key, value, lease)), no failure ops; null when it already exists. */
  Ack create(String key, String value, long lease) {
    TxnResponse r = call(kv -> kv.txn(TxnRequest.newBuilder().addCompare(mod(key, 0))
        .addSuccess(put(key, value, lease)).build()));
    if (!r.getSucceeded()) {
      if (r.getResponsesCount() != 0) {
        throw new AssertionError("a failed create has no failure ops, so no responses: " + r);
      }
      return null;
    }
    return new Ack(r.getHeader().getRevision(), key, value, lease);
  }

  /** What a conditional write saw: the ack when it succeeded, else the current object (null: absent). */
  record Outcome(Ack ack, KeyValue current) { }

  /**
   * One GuaranteedUpdate attempt: Txn(MOD(key) == rev; success Put; failure Range(key)). On failure the caller
   * retries with responses[0].response_range.kvs[0].
   */
  Outcome update(String key, long rev, String value, long lease) {
    TxnResponse r = call(kv -> kv.txn(TxnRequest.newBuilder().addCompare(mod(key, rev))
        .addSuccess(put(key, value, lease)).addFailure(rangeOp(key)).build()));
    return r.getSucceeded() ? new Outcome(new Ack(r.getHeader().getRevision(), key, value, lease), null)
        : new Outcome(null, failureKv(r));
  }

  /** One Delete attempt: Txn(MOD(key) == rev; success DeleteRange(key); failure Range(key)). */
  Outcome delete(String key, long rev) {
    TxnResponse r = call(kv -> kv.txn(TxnRequest.newBuilder().addCompare(mod(key, rev))
        .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(b(key))))
        .addFailure(rangeOp(key)).build()));
    if (r.getSucceeded() && r.getResponses(0).getResponseDeleteRange().getDeleted() != 1) {
      throw new AssertionError("a delete guarded by MOD == " + rev + " deleted nothing: " + r);
    }
    return r.getSucceeded() ? new Outcome(new Ack(r.getHeader().getRevision(), key, null, 0), null)
        : new Outcome(null, failureKv(r));
  }

  private static KeyValue failureKv(TxnResponse r) {
    if (r.getResponsesCount() != 1 || !r.getResponses(0).hasResponseRange()) {
      throw new AssertionError("a failed txn answers its one failure Range: " + r);
    }
    RangeResponse range = r.getResponses(0).getResponseRange();
    return range.getKvsCount() == 0 ? null : range.getKvs(0);
  }

  /**
   * A paginated List: Range(prefix or last key + "\0", prefixEnd, limit, revision = 0 for the first page, then the
   * first page's header.revision). Checks each page as the apiserver reads it: hasMore = more = len(kvs) < count,
   * keys ascending and at or below the list revision, and the first page's count equal to the keys listed.
   * Throws etcd's compacted error (the apiserver's 410) when the revision is compacted between pages.
   */
  Listed list(String prefix, int limit) {
    String end = prefixEnd(prefix);
    String key = prefix;
    long rev = 0;
    long total = -1;
    Map<String, KeyValue> out = new LinkedHashMap<>();
    String last = null;
    int pages = 0;
    while (true) {
      String from = key;
      long at = rev;
      RangeResponse r = call(kv -> kv.range(RangeRequest.newBuilder().setKey(b(from)).setRangeEnd(b(end))
          .setLimit(limit).setRevision(at).build()));
      pages++;
      if (pages > 10_000) {
        throw new AssertionError("a list that never ends");
      }
      if (rev == 0) {
        rev = r.getHeader().getRevision();
        total = r.getCount();
      } else if (r.getHeader().getRevision() < rev) {
        throw new AssertionError("page header revision " + r.getHeader().getRevision() + " < list revision " + rev);
      }
      if (r.getKvsCount() > limit) {
        throw new AssertionError("page of " + r.getKvsCount() + " > limit " + limit);
      }
      if (r.getMore() != (r.getKvsCount() < r.getCount())) {
        throw new AssertionError("more=" + r.getMore() + " but " + r.getKvsCount() + " kvs of count " + r.getCount());
      }
      if (r.getCount() != total - out.size()) {
        throw new AssertionError("page count " + r.getCount() + " after " + out.size() + " of " + total + " keys");
      }
      for (KeyValue kv : r.getKvsList()) {
        String k = s(kv.getKey());
        if ((last != null && k.compareTo(last) <= 0) || !k.startsWith(prefix) || kv.getModRevision() > rev) {
          throw new AssertionError("key " + k + " (mod " + kv.getModRevision() + ") after " + last + " at " + rev);
        }
        out.put(k, kv);
        last = k;
      }
      if (!r.getMore()) {
        break;
      }
      key = last + "\0";
    }
    if (out.size() != total) {
      throw new AssertionError("listed " + out.size() + " keys, the first page counted " + total);
    }
    return new Listed(rev, out, pages);
  }

  /** Count: Range(prefix, prefixEnd, count_only=true) at {@code revision} (0: now); checks no kvs come back. */
  long count(String prefix, long revision) {
    RangeResponse r = call(kv -> kv.range(RangeRequest.newBuilder().setKey(b(prefix)).setRangeEnd(b(prefixEnd(prefix)))
        .setCountOnly(true).setRevision(revision).build()));
    if (r.getKvsCount() != 0 || r.getMore()) {
      throw new AssertionError("count_only returned kvs or more: " + r);
    }
    return r.getCount();
  }

  /** One round of the apiserver's compactor (compact.go compact(t, rev)): returns the next t and wrev. */
  record Round(boolean won, long t, long revision) { }

  /**
   * Txn(VERSION(compact_rev_key) == t; success Put(compact_rev_key, rev); failure Range(compact_rev_key)); the
   * winner then calls Compact(rev, physical=false) when rev != 0.
   */
  Round compactRound(long t, long rev) {
    TxnResponse r = call(kv -> kv.txn(TxnRequest.newBuilder().addCompare(Compare.newBuilder()
        .setKey(b(COMPACT_REV_KEY)).setTarget(Compare.CompareTarget.VERSION).setResult(Compare.CompareResult.EQUAL)
        .setVersion(t)).addSuccess(put(COMPACT_REV_KEY, Long.toString(rev), 0)).addFailure(rangeOp(COMPACT_REV_KEY))
        .build()));
    if (!r.getSucceeded()) {
      return new Round(false, failureKv(r).getVersion(), r.getHeader().getRevision());
    }
    if (rev != 0) {
      compact(rev);
    }
    return new Round(true, t + 1, r.getHeader().getRevision());
  }

  void compact(long rev) {
    call(kv -> kv.compact(CompactionRequest.newBuilder().setRevision(rev).build()));
  }

  /** A Range of {@code prefix} at {@code revision}, for checking errors. */
  RangeResponse rangeAt(String prefix, long revision) {
    return call(kv -> kv.range(RangeRequest.newBuilder().setKey(b(prefix)).setRangeEnd(b(prefixEnd(prefix)))
        .setRevision(revision).build()));
  }

  List<String> endpoints() {
    return new ArrayList<>(endpoints);
  }

  @Override
  public void close() {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
  }
}
