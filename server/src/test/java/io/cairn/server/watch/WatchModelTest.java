package io.cairn.server.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.CompactionRequest;
import io.cairn.server.InProcessServer;
import io.cairn.proto.etcdserverpb.DeleteRangeRequest;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.etcdserverpb.WatchCreateRequest;
import io.cairn.proto.etcdserverpb.WatchGrpc;
import io.cairn.proto.etcdserverpb.WatchProgressRequest;
import io.cairn.proto.etcdserverpb.WatchRequest;
import io.cairn.proto.etcdserverpb.WatchResponse;
import io.cairn.proto.mvccpb.Event;
import io.cairn.proto.mvccpb.KeyValue;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model-based: random puts, deletes, txns and compactions while watchers start at random revisions
 * on random ranges. Each watcher's event stream must equal the model's history filtered to its
 * range from its start revision (with prev_kv as the model had it), or a prefix of it ended by a
 * compaction cancel. Seeded; a failure names the seed (-Dcairn.watch.seed=N replays it).
 */
class WatchModelTest {
  static final String[] KEYS = {"a", "a1", "a2", "b", "b1", "c", "d", "e"};

  @TempDir
  Path dir;

  /** The model: current key states and every event ever, by revision. */
  static final class Model {
    final TreeMap<String, KeyValue> live = new TreeMap<>();
    final List<Event> history = new ArrayList<>();
    long rev = 1;
    long compacted;

    List<Event> apply(List<Object[]> ops) {
      List<Event> evs = new ArrayList<>();
      long next = rev + 1;
      for (Object[] op : ops) {
        String key = (String) op[0];
        if (op[1] != null) {
          KeyValue prev = live.get(key);
          KeyValue kv = KeyValue.newBuilder().setKey(ByteString.copyFromUtf8(key))
              .setValue(ByteString.copyFromUtf8((String) op[1]))
              .setCreateRevision(prev == null ? next : prev.getCreateRevision())
              .setModRevision(next).setVersion(prev == null ? 1 : prev.getVersion() + 1).build();
          Event.Builder e = Event.newBuilder().setType(Event.EventType.PUT).setKv(kv);
          if (prev != null) {
            e.setPrevKv(prev);
          }
          evs.add(e.build());
          live.put(key, kv);
        } else {
          String end = (String) op[2];
          for (String k : new ArrayList<>(end == null ? List.of(key) : live.subMap(key, end).keySet())) {
            KeyValue prev = live.remove(k);
            if (prev != null) {
              evs.add(Event.newBuilder().setType(Event.EventType.DELETE).setPrevKv(prev)
                  .setKv(KeyValue.newBuilder().setKey(prev.getKey()).setModRevision(next)).build());
            }
          }
        }
      }
      if (!evs.isEmpty()) {
        rev = next;
        history.addAll(evs);
      }
      return evs;
    }
  }

  /** What one watcher asked for and what it got. */
  static final class Probe {
    final long id;
    final String key;
    final String end;
    final long start;
    final boolean prevKv;
    final List<Event> got = new CopyOnWriteArrayList<>();
    volatile long createdRev = -1;
    volatile long compactRevision;

    Probe(long id, String key, String end, long start, boolean prevKv) {
      this.id = id;
      this.key = key;
      this.end = end;
      this.start = start;
      this.prevKv = prevKv;
    }

    boolean covers(String k) {
      if (end == null) {
        return k.equals(key);
      }
      return k.compareTo(key) >= 0 && (end.equals("\0") || k.compareTo(end) < 0);
    }
  }

  @Test
  void watchersSeeExactlyTheModelsHistory() throws Exception {
    long seed = Long.getLong("cairn.watch.seed", System.nanoTime());
    int rounds = Integer.getInteger("cairn.watch.rounds", 3);
    for (int r = 0; r < rounds; r++) {
      long s = seed + r;
      try {
        runOnce(s, dir.resolve("run" + r));
      } catch (Throwable t) {
        throw new AssertionError("watch model failed with seed " + s
            + " (replay: mvn -pl server test -Dtest=WatchModelTest -Dcairn.watch.seed=" + s + " -Dcairn.watch.rounds=1)", t);
      }
    }
  }

  private void runOnce(long seed, Path runDir) throws Exception {
    Random rnd = new Random(seed);
    try (InProcessServer srv = new InProcessServer(runDir)) {
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(srv.channel);
      WatchGrpc.WatchStub watch = WatchGrpc.newStub(srv.channel);
      Model model = new Model();
      List<StreamProbe> streams = new ArrayList<>();
      Map<Long, Probe> probes = new ConcurrentHashMap<>();
      long nextId = 1;
      for (int s = 0; s < 3; s++) {
        StreamProbe sp = new StreamProbe(probes);
        sp.requests = watch.watch(sp);
        streams.add(sp);
      }
      for (int step = 0; step < 150; step++) {
        int dice = rnd.nextInt(100);
        if (dice < 12) {
          // a new watcher on a random stream, range and start revision
          String key = KEYS[rnd.nextInt(KEYS.length)];
          String end = switch (rnd.nextInt(4)) {
            case 0 -> null;
            case 1 -> "\0";
            case 2 -> key + "\u00ff";
            default -> KEYS[rnd.nextInt(KEYS.length)] + "z";
          };
          if (end != null && !end.equals("\0") && end.compareTo(key) <= 0) {
            end = null;
          }
          long start = rnd.nextBoolean() ? 0 : Math.max(model.compacted, 1) + rnd.nextInt((int) (model.rev + 2 - Math.max(model.compacted, 1)));
          Probe p = new Probe(nextId++, key, end, start, rnd.nextBoolean());
          probes.put(p.id, p);
          WatchCreateRequest.Builder c = WatchCreateRequest.newBuilder().setWatchId(p.id)
              .setKey(ByteString.copyFromUtf8(key)).setStartRevision(start).setPrevKv(p.prevKv);
          if (end != null) {
            c.setRangeEnd(ByteString.copyFromUtf8(end));
          }
          StreamProbe sp = streams.get(rnd.nextInt(streams.size()));
          sp.watchers.add(p);
          sp.requests.onNext(WatchRequest.newBuilder().setCreateRequest(c).build());
          if (start == 0) {
            // the watcher starts after the revision its created response names
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> p.createdRev >= 0);
          }
        } else if (dice < 15 && model.rev > model.compacted + 3) {
          long to = model.compacted + 1 + rnd.nextInt((int) (model.rev - model.compacted - 1));
          kv.compact(CompactionRequest.newBuilder().setRevision(to).setPhysical(rnd.nextBoolean()).build());
          model.compacted = to;
        } else if (dice < 60) {
          String k = KEYS[rnd.nextInt(KEYS.length)];
          String v = "v" + step;
          kv.put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(k)).setValue(ByteString.copyFromUtf8(v)).build());
          model.apply(List.<Object[]>of(new Object[] {k, v, null}));
        } else if (dice < 75) {
          String k = KEYS[rnd.nextInt(KEYS.length)];
          String end = rnd.nextBoolean() ? null : k + "\u00ff";
          DeleteRangeRequest.Builder d = DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(k));
          if (end != null) {
            d.setRangeEnd(ByteString.copyFromUtf8(end));
          }
          kv.deleteRange(d.build());
          model.apply(List.<Object[]>of(new Object[] {k, null, end}));
        } else {
          // a txn of puts and single-key deletes on distinct keys (etcd's duplicate-key rule)
          List<String> ks = new ArrayList<>(List.of(KEYS));
          Collections.shuffle(ks, rnd);
          TxnRequest.Builder t = TxnRequest.newBuilder();
          List<Object[]> ops = new ArrayList<>();
          for (String k : ks.subList(0, 1 + rnd.nextInt(4))) {
            if (rnd.nextInt(3) == 0) {
              t.addSuccess(RequestOp.newBuilder().setRequestDeleteRange(
                  DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(k))));
              ops.add(new Object[] {k, null, null});
            } else {
              String v = "t" + step;
              t.addSuccess(RequestOp.newBuilder().setRequestPut(
                  PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(k)).setValue(ByteString.copyFromUtf8(v))));
              ops.add(new Object[] {k, v, null});
            }
          }
          kv.txn(t.build());
          model.apply(ops);
        }
      }
      // a stream answers a progress request (watch id -1) only once all its watchers are synced
      long finalRev = model.rev;
      for (StreamProbe sp : streams) {
        sp.requests.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
      }
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> streams.stream().allMatch(sp -> sp.caughtUp(finalRev)));
      for (Probe p : probes.values()) {
        check(p, model);
      }
      for (StreamProbe sp : streams) {
        sp.requests.onCompleted();
      }
    }
  }

  /** One watch stream: its watchers and the progress answers it got. */
  static final class StreamProbe implements StreamObserver<WatchResponse> {
    final Map<Long, Probe> probes;
    final List<Probe> watchers = new CopyOnWriteArrayList<>();
    final List<Long> progress = new CopyOnWriteArrayList<>();
    StreamObserver<WatchRequest> requests;

    StreamProbe(Map<Long, Probe> probes) {
      this.probes = probes;
    }

    /** True once every live watcher of this stream is known to be synced to {@code rev}. */
    boolean caughtUp(long rev) {
      boolean anyLive = watchers.stream().anyMatch(p -> p.compactRevision == 0);
      return !anyLive || progress.stream().anyMatch(r -> r >= rev);
    }

    @Override
    public void onNext(WatchResponse resp) {
      if (resp.getWatchId() == -1 && !resp.getCreated()) {
        progress.add(resp.getHeader().getRevision());
        return;
      }
      Probe p = probes.get(resp.getWatchId());
      if (p == null) {
        return;
      }
      if (resp.getCreated()) {
        p.createdRev = resp.getHeader().getRevision();
      }
      if (resp.getCompactRevision() != 0) {
        p.compactRevision = resp.getCompactRevision();
      }
      p.got.addAll(resp.getEventsList());
    }

    @Override
    public void onError(Throwable t) { }

    @Override
    public void onCompleted() { }
  }

  private static Event stripIfCompacted(Event e, long compacted) {
    return e.getKv().getModRevision() - 1 < compacted ? e.toBuilder().clearPrevKv().build() : e;
  }

  private static void check(Probe p, Model model) {
    long from = p.start == 0 ? p.createdRev + 1 : p.start;
    List<Event> want = new ArrayList<>();
    for (Event e : model.history) {
      if (e.getKv().getModRevision() >= from && p.covers(e.getKv().getKey().toStringUtf8())) {
        boolean create = e.getType() == Event.EventType.PUT && e.getKv().getVersion() == 1;
        want.add(p.prevKv && !create ? e : e.toBuilder().clearPrevKv().build());
      }
    }
    // prev_kv of an event just above a compaction point may be gone when it is delivered
    want.replaceAll(e -> stripIfCompacted(e, model.compacted));
    List<Event> got = new ArrayList<>(p.got);
    got.replaceAll(e -> stripIfCompacted(e, model.compacted));
    if (p.compactRevision != 0) {
      // canceled by compaction: what arrived is exactly the expected events below some cut
      assertThat(want).as("watcher %s", p.id).startsWith(got.toArray(new Event[0]));
    } else {
      assertThat(got).as("watcher %d on [%s, %s) from %d", p.id, p.key, p.end, from).containsExactlyElementsOf(want);
    }
  }
}
