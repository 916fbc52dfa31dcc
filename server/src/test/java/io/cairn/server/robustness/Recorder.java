package io.cairn.server.robustness;

import io.cairn.server.robustness.History.Cas;
import io.cairn.server.robustness.History.Delete;
import io.cairn.server.robustness.History.KV;
import io.cairn.server.robustness.History.Put;
import io.cairn.server.robustness.History.Range;
import io.cairn.server.robustness.History.Request;
import io.cairn.server.robustness.History.Response;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A jetcd client whose calls are recorded into a {@link History.Log}, each bounded by a timeout.
 * A write that errs or times out is recorded UNKNOWN: it may still be applied later, and the
 * checker has to allow for that. A read that fails is dropped, since it observed nothing. The
 * call time is taken before the request is sent and the return time after the reply arrives, so
 * the recorded interval contains the moment the server acted. Safe to share between threads.
 */
final class Recorder {
  private final io.etcd.jetcd.KV kv;
  private final History.Log log;
  private final long timeoutNanos;

  Recorder(Client client, History.Log log, Duration timeout) {
    this.kv = client.getKVClient();
    this.log = log;
    this.timeoutNanos = timeout.toNanos();
  }

  /** The put's revision, or -1 when the outcome is unknown. */
  long put(int client, String key, String value) {
    return put(client, key, value, 0);
  }

  long put(int client, String key, String value, long lease) {
    PutOption opt = lease == 0 ? PutOption.DEFAULT : PutOption.builder().withLeaseId(lease).build();
    Response r = record(client, new Put(key, value, lease), () -> kv.put(bs(key), bs(value), opt),
        p -> Response.put(p.getHeader().getRevision()));
    return r == null ? -1 : r.revision();
  }

  /** What the range read, or null when it failed. */
  Response get(int client, String key, boolean prefix, boolean serializable) {
    GetOption opt = GetOption.builder().isPrefix(prefix).withSerializable(serializable).build();
    return record(client, new Range(key, prefix, serializable), () -> kv.get(bs(key), opt),
        g -> Response.range(g.getHeader().getRevision(), kvs(g)));
  }

  /** The delete's response, or null when its outcome is unknown. */
  Response delete(int client, String key) {
    return record(client, new Delete(key), () -> kv.delete(bs(key)),
        d -> Response.delete(d.getHeader().getRevision(), d.getDeleted()));
  }

  /** if mod_revision(key) == expected then put(key, value) else get(key); null when unknown. */
  Response cas(int client, String key, long expectedModRevision, String value) {
    return record(client, new Cas(key, expectedModRevision, value),
        () -> kv.txn()
            .If(new Cmp(bs(key), Cmp.Op.EQUAL, CmpTarget.modRevision(expectedModRevision)))
            .Then(Op.put(bs(key), bs(value), PutOption.DEFAULT))
            .Else(Op.get(bs(key), GetOption.DEFAULT))
            .commit(),
        t -> Response.cas(t.getHeader().getRevision(), t.isSucceeded(),
            t.isSucceeded() ? List.of() : kvs(t.getGetResponses().get(0))));
  }

  /**
   * A lease revoke; {@code key} is the lease's only key, so to the history it is a delete of that key. When the key's
   * put was acknowledged, an acknowledged revoke deleted it at the response's revision (etcd's revoke answers with
   * the revision after its deletes); otherwise what it deleted is not known and the delete is recorded with its
   * outcome open ({@link LeaseTraffic} checks the key is gone either way). True when acknowledged.
   */
  boolean revoke(int client, io.etcd.jetcd.Lease leases, long id, String key, boolean keyWritten) {
    long call = System.nanoTime();
    CompletableFuture<io.etcd.jetcd.lease.LeaseRevokeResponse> f = null;
    try {
      f = leases.revoke(id);
      long revision = f.get(timeoutNanos, TimeUnit.NANOSECONDS).getHeader().getRevision();
      long ret = System.nanoTime();
      log.append(client, call, ret, new Delete(key), keyWritten ? Response.delete(revision, 1) : null);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      if (f != null) f.cancel(true);
    }
    log.append(client, call, System.nanoTime(), new Delete(key), null);
    return false;
  }

  private <T> Response record(int client, Request q, Supplier<CompletableFuture<T>> send, Function<T, Response> read) {
    long call = System.nanoTime();
    CompletableFuture<T> f = null;
    try {
      f = send.get();
      T reply = f.get(timeoutNanos, TimeUnit.NANOSECONDS);
      long ret = System.nanoTime();
      Response r = read.apply(reply);
      log.append(client, call, ret, q, r);
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failed(client, call, q, f);
      return null;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      failed(client, call, q, f);
      return null;
    }
  }

  private void failed(int client, long call, Request q, CompletableFuture<?> f) {
    if (f != null) {
      f.cancel(true); // the server may still apply it; the history says so
    }
    if (!(q instanceof Range)) {
      log.append(client, call, System.nanoTime(), q, null);
    }
  }

  private static List<KV> kvs(GetResponse g) {
    return g.getKvs().stream().map(k -> new KV(str(k.getKey()), str(k.getValue()), k.getModRevision(),
        k.getCreateRevision(), k.getVersion(), k.getLease())).toList();
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static String str(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }
}
