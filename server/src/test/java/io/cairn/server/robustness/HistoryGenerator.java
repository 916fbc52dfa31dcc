package io.cairn.server.robustness;

import io.cairn.server.robustness.History.Cas;
import io.cairn.server.robustness.History.Delete;
import io.cairn.server.robustness.History.KV;
import io.cairn.server.robustness.History.Op;
import io.cairn.server.robustness.History.Put;
import io.cairn.server.robustness.History.Range;
import io.cairn.server.robustness.History.Request;
import io.cairn.server.robustness.History.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Valid concurrent histories by construction: clients call, a sequential KV (the same
 * {@link KvState} the checker replays, at a logical clock) applies each op at one instant between
 * call and return, and the client returns later. Some writes end UNKNOWN: the client gives up at
 * once, and the write takes effect at some later instant, or never.
 */
final class HistoryGenerator {
  static final String[] KEYS = {"a/0", "a/1", "a/2", "a/3", "b/0", "b/1", "b/2", "c"};
  static final long BASE = 1;

  private static final class Pending {
    final int client;
    final long call;
    final Request request;
    long ret = -1;
    Response response;
    boolean applied;

    Pending(int client, long call, Request request) {
      this.client = client;
      this.call = call;
      this.request = request;
    }
  }

  private final Random rnd;
  private final int clients;
  private final int total;
  private final double unknownRate;
  private final KvState kv = new KvState();
  private long rev = BASE;
  private long clock;
  private int values;

  HistoryGenerator(long seed, int clients, int total, double unknownRate) {
    this.rnd = new Random(seed);
    this.clients = clients;
    this.total = total;
    this.unknownRate = unknownRate;
  }

  History generate() {
    History.Log log = new History.Log(BASE);
    Pending[] busy = new Pending[clients];
    List<Pending> orphans = new ArrayList<>();
    int started = 0;
    int running = 0;
    while (started < total || running > 0) {
      clock++;
      if (!orphans.isEmpty() && rnd.nextInt(10) == 0) {
        // a timed-out write lands late, or is dropped for good
        Pending o = orphans.remove(rnd.nextInt(orphans.size()));
        if (rnd.nextBoolean()) {
          apply(o);
        }
        continue;
      }
      int c = rnd.nextInt(clients);
      Pending p = busy[c];
      if (p == null) {
        if (started < total) {
          p = new Pending(c, clock, request());
          started++;
          if (p.request instanceof Range || rnd.nextDouble() >= unknownRate) {
            busy[c] = p;
            running++;
          } else {
            log.append(c, p.call, clock + 1, p.request, null);
            orphans.add(p);
          }
        }
      } else if (!p.applied) {
        apply(p);
      } else {
        log.append(c, p.call, clock, p.request, p.response);
        busy[c] = null;
        running--;
      }
    }
    return log.history();
  }

  private Request request() {
    String key = KEYS[rnd.nextInt(KEYS.length)];
    int dice = rnd.nextInt(100);
    if (dice < 30) {
      return new Range(key, false, false);
    }
    if (dice < 40) {
      return new Range(rnd.nextBoolean() ? "a/" : "b/", true, false);
    }
    if (dice < 48) {
      return new Range(key, false, true);
    }
    if (dice < 72) {
      return new Put(key, "v" + values++, rnd.nextInt(8) == 0 ? 42 : 0);
    }
    if (dice < 80) {
      return new Delete(key);
    }
    // usually the revision it has now, which a concurrent write may change before this applies
    long expected = rnd.nextInt(4) == 0 ? rnd.nextInt((int) rev + 1) : kv.modRevision(key);
    return new Cas(key, expected, "v" + values++);
  }

  private void apply(Pending p) {
    p.applied = true;
    Request q = p.request;
    if (q instanceof Put put) {
      kv.put(put.key(), put.value(), put.lease(), ++rev, null);
      p.response = Response.put(rev);
    } else if (q instanceof Delete d) {
      boolean there = kv.get(d.key()) != null;
      if (there) {
        kv.delete(d.key());
        rev++;
      }
      p.response = Response.delete(rev, there ? 1 : 0);
    } else if (q instanceof Cas c) {
      if (kv.modRevision(c.key()) == c.expectedModRevision()) {
        kv.put(c.key(), c.value(), 0, ++rev, null);
        p.response = Response.cas(rev, true, List.of());
      } else {
        p.response = Response.cas(rev, false, read(new Range(c.key(), false, false)));
      }
    } else {
      p.response = Response.range(rev, read((Range) q));
    }
  }

  private List<KV> read(Range r) {
    return kv.range(r).stream().map(KvState.Entry::kv).toList();
  }

  /** The ops of {@code h} with one replaced, keeping ids. */
  static History replace(History h, Op op) {
    List<Op> ops = new ArrayList<>(h.ops());
    ops.set(ops.indexOf(h.ops().stream().filter(o -> o.id() == op.id()).findFirst().orElseThrow()), op);
    return new History(h.baseRevision(), ops);
  }
}
