package io.cairn.storage.mvcc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import com.google.protobuf.ByteString;
import com.google.protobuf.TextFormat;
import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.proto.etcdserverpb.Compare;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random sequences of puts, range deletes, txns (nested, with compares), compactions (background and physical),
 * reads at random old revisions, change-log reads and reopens, each checked response by response against
 * {@link MvccModel}. Deterministic: the QuickTheories seed is fixed (override with -Dcairn.mvcc.seed=N, more
 * examples with -Dcairn.mvcc.examples=N) and printed in every failure, with the failing op sequence.
 */
class MvccStoreModelTest {
  static final long SEED = Long.getLong("cairn.mvcc.seed", 20261126L);
  static final int EXAMPLES = Integer.getInteger("cairn.mvcc.examples", 200);

  static final String[] KEYS = {"a", "ab", "b", "ba", "c", "d", "\0", "\0a", "a\0", "\u00ff"};
  /** Lease ids the ops use; 99 is never granted. */
  static final long[] LEASE_IDS = {1, 2, 3, 99};
  static final String[] VALUES = {"", "1", "2", "x", "yy", "\0"};

  @TempDir Path root;
  private Path scratch;

  /**
   * Each example opens fresh stores; on a tmpfs (Linux /dev/shm) RocksDB's open/close fsyncs are free, which keeps
   * this test fast. Falls back to the JUnit temp dir elsewhere.
   */
  private Path scratch() {
    if (scratch == null) {
      scratch = root;
      Path shm = Path.of("/dev/shm");
      if (Files.isDirectory(shm) && Files.isWritable(shm)) {
        try {
          scratch = Files.createTempDirectory(shm, "cairn-mvcc-model-");
        } catch (IOException e) {
          // keep the JUnit temp dir
        }
      }
    }
    return scratch;
  }

  @AfterEach
  void removeScratch() {
    if (scratch != null && !scratch.equals(root)) StoreFixture.deleteTree(scratch);
  }
  final AtomicInteger runs = new AtomicInteger();

  /** Writes go straight to the store (one RocksDB batch each) or into a {@link StoreBatch} committed at times. */
  private boolean batched;
  private StoreBatch batch;

  @Test
  void storeMatchesModel() {
    System.out.println("MvccStoreModelTest seed=" + SEED + " examples=" + EXAMPLES);
    qt().withFixedSeed(SEED).withExamples(EXAMPLES).withShrinkCycles(200)
        .forAll(lists().of(longs().all()).ofSizeBetween(5, 60))
        .checkAssert(this::run);
  }

  /**
   * The same sequences with writes staged in a StoreBatch (as the raft apply thread does) and committed at random
   * points: each staged write must answer exactly as the model, seeing the writes staged before it, and the store
   * after a commit must equal the model.
   */
  @Test
  void batchedStoreMatchesModel() {
    batched = true;
    System.out.println("MvccStoreModelTest (batched) seed=" + SEED + " examples=" + EXAMPLES);
    qt().withFixedSeed(SEED).withExamples(EXAMPLES).withShrinkCycles(200)
        .forAll(lists().of(longs().all()).ofSizeBetween(5, 60))
        .checkAssert(this::run);
  }

  /** The write calls, either on the store or on the open batch. */
  private interface Writes {
    io.cairn.proto.etcdserverpb.PutResponse put(PutRequest p, long ci);

    io.cairn.proto.etcdserverpb.DeleteRangeResponse deleteRange(DeleteRangeRequest d, long ci);

    io.cairn.proto.etcdserverpb.TxnResponse txn(TxnRequest t, long ci);

    io.cairn.proto.etcdserverpb.CompactionResponse compact(CompactionRequest c, long ci);

    io.cairn.proto.etcdserverpb.LeaseGrantResponse leaseGrant(long id, long ttl, long ci);

    io.cairn.proto.etcdserverpb.LeaseRevokeResponse leaseRevoke(long id, long ci);

    io.cairn.proto.etcdserverpb.LeaseCheckpointResponse leaseCheckpoint(long id, long rem, long ci);
  }

  private Writes writes(MvccStore s) {
    if (!batched) {
      return new Writes() {
        public io.cairn.proto.etcdserverpb.PutResponse put(PutRequest p, long ci) { return s.put(p, ci); }
        public io.cairn.proto.etcdserverpb.DeleteRangeResponse deleteRange(DeleteRangeRequest d, long ci) {
          return s.deleteRange(d, ci);
        }
        public io.cairn.proto.etcdserverpb.TxnResponse txn(TxnRequest t, long ci) { return s.txn(t, ci); }
        public io.cairn.proto.etcdserverpb.CompactionResponse compact(CompactionRequest c, long ci) {
          return s.compact(c, ci);
        }
        public io.cairn.proto.etcdserverpb.LeaseGrantResponse leaseGrant(long id, long ttl, long ci) {
          return s.leaseGrant(id, ttl, ci);
        }
        public io.cairn.proto.etcdserverpb.LeaseRevokeResponse leaseRevoke(long id, long ci) {
          return s.leaseRevoke(id, ci);
        }
        public io.cairn.proto.etcdserverpb.LeaseCheckpointResponse leaseCheckpoint(long id, long rem, long ci) {
          return s.leaseCheckpoint(id, rem, ci);
        }
      };
    }
    if (batch == null) batch = s.newBatch();
    StoreBatch b = batch;
    return new Writes() {
      public io.cairn.proto.etcdserverpb.PutResponse put(PutRequest p, long ci) { return b.put(p, ci); }
      public io.cairn.proto.etcdserverpb.DeleteRangeResponse deleteRange(DeleteRangeRequest d, long ci) {
        return b.deleteRange(d, ci);
      }
      public io.cairn.proto.etcdserverpb.TxnResponse txn(TxnRequest t, long ci) { return b.txn(t, ci); }
      public io.cairn.proto.etcdserverpb.CompactionResponse compact(CompactionRequest c, long ci) {
        return b.compact(c, ci).join();
      }
      public io.cairn.proto.etcdserverpb.LeaseGrantResponse leaseGrant(long id, long ttl, long ci) {
        return b.leaseGrant(id, ttl, ci);
      }
      public io.cairn.proto.etcdserverpb.LeaseRevokeResponse leaseRevoke(long id, long ci) {
        return b.leaseRevoke(id, ci);
      }
      public io.cairn.proto.etcdserverpb.LeaseCheckpointResponse leaseCheckpoint(long id, long rem, long ci) {
        return b.leaseCheckpoint(io.cairn.proto.etcdserverpb.LeaseCheckpointRequest.newBuilder()
            .addCheckpoints(io.cairn.proto.etcdserverpb.LeaseCheckpoint.newBuilder().setID(id).setRemainingTTL(rem))
            .build(), ci);
      }
    };
  }

  /** Commits the open batch (batched mode) so reads and the state checks see every write. */
  private void commit() {
    if (batch != null) {
      batch.commit();
      batch.close();
      batch = null;
    }
  }

  /** One example: each long seeds the generation of one op (generated against the model's current state). */
  private void run(List<Long> opSeeds) {
    Path dir = scratch().resolve("run" + runs.incrementAndGet());
    StoreOptions options = StoreOptions.builder().syncWrites(false).blockCacheBytes(4 << 20)
        .writeBufferBytes(1 << 20).compactionBatchOps(2).liveCacheRows(4).build(); // 10 keys: rows evicted often
    MvccModel model = new MvccModel();
    MvccStore[] store = {MvccStore.open(dir, options)};
    List<String> log = new ArrayList<>();
    long[] index = {0};
    try {
      for (long id : new long[] {1, 2}) { // most puts with a lease then find it
        same(() -> writes(store[0]).leaseGrant(id, 60, 0), () -> model.leaseGrant(id, 60, 0));
      }
      for (long opSeed : opSeeds) {
        Random r = new Random(opSeed);
        step(r, model, store, options, dir, index, log);
        if (batched && r.nextInt(3) > 0) continue; // keep staging: state checks wait for a commit
        commit();
        assertThat(store[0].currentRevision()).as("current revision").isEqualTo(model.rev);
        assertThat(store[0].compactRevision()).as("compact revision").isEqualTo(model.compactRevision());
        assertThat(store[0].consistentIndex()).as("consistent index").isEqualTo(model.ci);
        assertThat(store[0].leases()).as("leases").isEqualTo(model.leaseList());
        com.google.protobuf.ByteString all = com.google.protobuf.ByteString.copyFrom(new byte[] {0});
        assertThat(store[0].liveKeyCount()).as("live key count (kept, not scanned)").isEqualTo(store[0].range(
            io.cairn.proto.etcdserverpb.RangeRequest.newBuilder().setKey(all).setRangeEnd(all).setCountOnly(true)
                .build()).getCount());
        for (long id : LEASE_IDS) {
          assertThat(store[0].leaseKeys(id)).as("keys of lease " + id).isEqualTo(model.leaseKeys(id));
        }
      }
    } catch (AssertionError e) {
      throw new AssertionError("MvccStoreModelTest failed, seed=" + SEED + " (rerun: -Dcairn.mvcc.seed=" + SEED
          + "); ops:\n  " + String.join("\n  ", log) + "\n" + e.getMessage(), e);
    } finally {
      if (batch != null) batch.close();
      batch = null;
      store[0].close();
      StoreFixture.deleteTree(dir);
    }
  }

  private void step(Random r, MvccModel m, MvccStore[] s, StoreOptions options, Path dir, long[] index,
      List<String> log) {
    int kind = r.nextInt(112);
    if (batched && r.nextInt(4) == 0) {
      log.add("commit");
      commit();
    }
    long ci = pickIndex(r, m, index);
    if (kind < 28) {
      PutRequest p = put(r);
      log.add("put ci=" + ci + " " + show(p));
      same(() -> writes(s[0]).put(p, ci), () -> m.put(p, ci));
    } else if (kind < 35) {
      DeleteRangeRequest d = delete(r);
      log.add("delete ci=" + ci + " " + show(d));
      same(() -> writes(s[0]).deleteRange(d, ci), () -> m.deleteRange(d, ci));
    } else if (kind < 52) {
      RangeRequest q = range(r, m);
      log.add("range " + show(q));
      commit();
      same(() -> s[0].range(q), () -> m.range(q));
    } else if (kind < 60) {
      TxnRequest t = readOnlyTxn(r, m);
      log.add("read-only txn " + show(t));
      commit();
      same(() -> s[0].readOnlyTxn(t), () -> m.txn(t, 0));
    } else if (kind < 82) {
      TxnRequest t = txn(r, m, 0);
      log.add("txn ci=" + ci + " " + show(t));
      same(() -> writes(s[0]).txn(t, ci), () -> m.txn(t, ci));
    } else if (kind < 88) {
      CompactionRequest c = CompactionRequest.newBuilder().setRevision(pickRev(r, m)).setPhysical(r.nextBoolean())
          .build();
      log.add("compact ci=" + ci + " " + show(c));
      same(() -> writes(s[0]).compact(c, ci), () -> m.compact(c, ci));
    } else if (kind < 94) {
      long from = pickRev(r, m);
      int max = r.nextInt(4);
      log.add("changesSince from=" + from + " max=" + max);
      commit();
      if (m.compact >= 0 && from == m.compact) {
        s[0].changesSince(from, max); // may legitimately lack superseded versions of the compact revision itself
      } else {
        same(() -> s[0].changesSince(from, max), () -> m.changesSince(from, max));
      }
    } else if (kind >= 100 && kind < 106) {
      long id = r.nextInt(30) == 0 ? 0 : LEASE_IDS[r.nextInt(3)];
      long ttl = r.nextInt(30) == 0 ? MvccStore.MAX_LEASE_TTL + 1 : 1 + r.nextInt(100);
      log.add("leaseGrant ci=" + ci + " id=" + id + " ttl=" + ttl);
      same(() -> writes(s[0]).leaseGrant(id, ttl, ci), () -> m.leaseGrant(id, ttl, ci));
    } else if (kind >= 106 && kind < 110) {
      long id = LEASE_IDS[r.nextInt(LEASE_IDS.length)];
      log.add("leaseRevoke ci=" + ci + " id=" + id);
      same(() -> writes(s[0]).leaseRevoke(id, ci), () -> m.leaseRevoke(id, ci));
    } else if (kind >= 110) {
      long id = LEASE_IDS[r.nextInt(LEASE_IDS.length)];
      long rem = r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(50);
      log.add("leaseCheckpoint ci=" + ci + " id=" + id + " remaining=" + rem);
      same(() -> writes(s[0]).leaseCheckpoint(id, rem, ci), () -> m.leaseCheckpoint(id, rem, ci));
    } else {
      log.add("reopen");
      commit();
      s[0].close();
      s[0] = MvccStore.open(dir, options);
    }
  }

  /** Mostly fresh increasing raft indexes, sometimes 0 (no raft), sometimes a replay of an applied one. */
  private static long pickIndex(Random r, MvccModel m, long[] index) {
    int p = r.nextInt(10);
    if (p < 2) return 0;
    if (p == 2 && m.ci > 0) return 1 + (long) r.nextInt((int) m.ci);
    return ++index[0];
  }

  /** A revision in [-1, current + 1]: negative, latest (0), history, current and future. */
  private static long pickRev(Random r, MvccModel m) {
    return r.nextInt((int) m.rev + 3) - 1;
  }

  private static ByteString key(Random r) {
    return bs(KEYS[r.nextInt(KEYS.length)]);
  }

  /** Single key, "from key", every key, a proper range above the key, or occasionally an empty/inverted one. */
  private static ByteString end(Random r, ByteString key) {
    int p = r.nextInt(20);
    if (p < 7) return ByteString.EMPTY;
    if (p < 10) return bs("\0");
    if (p < 18) {
      List<ByteString> above = new ArrayList<>();
      for (String k : KEYS) if (MvccModel.BYTES.compare(bs(k), key) > 0) above.add(bs(k));
      above.add(bs("\u00ff\u00ff"));
      return above.get(r.nextInt(above.size()));
    }
    return key(r); // may be <= key: an empty range
  }

  private static ByteString value(Random r) {
    return bs(VALUES[r.nextInt(VALUES.length)]);
  }

  private static PutRequest put(Random r) {
    PutRequest.Builder p = PutRequest.newBuilder().setKey(key(r)).setValue(value(r));
    int lease = r.nextInt(20);
    if (lease >= 13) p.setLease(lease < 19 ? 1 + lease % 3 : 99);
    p.setPrevKv(r.nextInt(3) == 0);
    if (r.nextInt(8) == 0) {
      p.setIgnoreValue(true);
      if (r.nextInt(5) > 0) p.clearValue();
    }
    if (r.nextInt(8) == 0) {
      p.setIgnoreLease(true);
      if (r.nextInt(5) > 0) p.clearLease();
    }
    return p.build();
  }

  private static DeleteRangeRequest delete(Random r) {
    ByteString key = key(r);
    return DeleteRangeRequest.newBuilder().setKey(key).setRangeEnd(end(r, key)).setPrevKv(r.nextBoolean()).build();
  }

  private static RangeRequest range(Random r, MvccModel m) {
    ByteString key = r.nextInt(6) == 0 ? bs("\0") : key(r);
    RangeRequest.Builder q = RangeRequest.newBuilder().setKey(key).setRangeEnd(end(r, key));
    if (r.nextBoolean()) q.setLimit(r.nextInt(5) - 1);
    if (r.nextBoolean()) q.setRevision(pickRev(r, m));
    if (r.nextInt(3) == 0) q.setSortOrderValue(r.nextInt(40) == 0 ? 3 : r.nextInt(3));
    if (r.nextInt(3) == 0) q.setSortTargetValue(r.nextInt(40) == 0 ? 5 : r.nextInt(5));
    q.setKeysOnly(r.nextInt(5) == 0);
    q.setCountOnly(r.nextInt(10) == 0);
    if (r.nextInt(8) == 0) q.setMinModRevision(pickRev(r, m));
    if (r.nextInt(8) == 0) q.setMaxModRevision(pickRev(r, m));
    if (r.nextInt(8) == 0) q.setMinCreateRevision(pickRev(r, m));
    if (r.nextInt(8) == 0) q.setMaxCreateRevision(pickRev(r, m));
    return q.build();
  }

  private static Compare compare(Random r, MvccModel m) {
    Compare.Builder c = Compare.newBuilder().setKey(key(r))
        .setTargetValue(r.nextInt(5)).setResultValue(r.nextInt(4));
    if (r.nextInt(5) == 0) c.setRangeEnd(end(r, c.getKey()));
    // usually the operand matching the target, sometimes another one (which then counts as 0 / empty)
    int operand = r.nextInt(6) == 0 ? r.nextInt(5) : c.getTargetValue();
    switch (operand) {
      case 0 -> c.setVersion(r.nextInt(4));
      case 1 -> c.setCreateRevision(pickRev(r, m));
      case 2 -> c.setModRevision(pickRev(r, m));
      case 3 -> c.setValue(value(r));
      default -> c.setLease(r.nextInt(3));
    }
    return c.build();
  }

  private static TxnRequest txn(Random r, MvccModel m, int depth) {
    TxnRequest.Builder t = TxnRequest.newBuilder();
    for (int i = r.nextInt(3); i > 0; i--) t.addCompare(compare(r, m));
    for (int i = r.nextInt(4); i > 0; i--) t.addSuccess(requestOp(r, m, depth));
    for (int i = r.nextInt(3); i > 0; i--) t.addFailure(requestOp(r, m, depth));
    return t.build();
  }

  /** Compares and ranges only: served off the apply thread, it must answer as the same txn applied would. */
  private static TxnRequest readOnlyTxn(Random r, MvccModel m) {
    TxnRequest.Builder t = TxnRequest.newBuilder();
    for (int i = r.nextInt(3); i > 0; i--) t.addCompare(compare(r, m));
    for (int i = r.nextInt(4); i > 0; i--) t.addSuccess(RequestOp.newBuilder().setRequestRange(range(r, m)));
    for (int i = r.nextInt(3); i > 0; i--) t.addFailure(RequestOp.newBuilder().setRequestRange(range(r, m)));
    return t.build();
  }

  private static RequestOp requestOp(Random r, MvccModel m, int depth) {
    int p = r.nextInt(100);
    if (p < 30) return RequestOp.newBuilder().setRequestRange(range(r, m)).build();
    if (p < 65) return RequestOp.newBuilder().setRequestPut(put(r)).build();
    if (p < 85 || depth >= 2) return RequestOp.newBuilder().setRequestDeleteRange(delete(r)).build();
    return RequestOp.newBuilder().setRequestTxn(txn(r, m, depth + 1)).build();
  }

  /** Both sides must return equal responses or fail with the same code and message. */
  private static <T> void same(Supplier<T> store, Supplier<T> model) {
    T expected;
    MvccException expectedError = null;
    try {
      expected = model.get();
    } catch (MvccException e) {
      expected = null;
      expectedError = e;
    }
    T actual;
    try {
      actual = store.get();
    } catch (MvccException e) {
      if (expectedError == null) throw new AssertionError("store failed with " + e + ", model returned " + expected);
      assertThat(e.code()).isEqualTo(expectedError.code());
      assertThat(e.getMessage()).isEqualTo(expectedError.getMessage());
      return;
    }
    if (expectedError != null) throw new AssertionError("store returned " + actual + ", model failed with " + expectedError);
    assertThat(actual).isEqualTo(expected);
  }

  private static ByteString bs(String s) {
    return ByteString.copyFrom(s, StandardCharsets.ISO_8859_1);
  }

  private static String show(com.google.protobuf.MessageOrBuilder msg) {
    return TextFormat.printer().emittingSingleLine(true).printToString(msg);
  }
}
