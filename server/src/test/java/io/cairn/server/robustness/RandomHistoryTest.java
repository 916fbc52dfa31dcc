package io.cairn.server.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.server.robustness.History.Cas;
import io.cairn.server.robustness.History.KV;
import io.cairn.server.robustness.History.Op;
import io.cairn.server.robustness.History.Put;
import io.cairn.server.robustness.History.Range;
import io.cairn.server.robustness.History.Response;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * Histories generated valid by construction must be accepted; the same history with one response
 * altered so that no execution can explain it must be rejected. Seeded: a failure names the seed
 * (-Dcairn.robustness.seed=N -Dcairn.robustness.rounds=1 replays it); -Dcairn.robustness.unknown=0.5 makes
 * more writes time out, which stresses the search for where they landed.
 */
class RandomHistoryTest {
  private final LinearizabilityChecker checker = new LinearizabilityChecker();

  @Test
  void acceptsGeneratedHistoriesAndRejectsEachMutation() {
    long seed = Long.getLong("cairn.robustness.seed", System.nanoTime());
    int rounds = Integer.getInteger("cairn.robustness.rounds", 40);
    double unknown = Double.parseDouble(System.getProperty("cairn.robustness.unknown", "0.15"));
    for (int r = 0; r < rounds; r++) {
      long s = seed + r;
      Random rnd = new Random(s);
      replayable(s, () -> roundTrip(s, 2 + rnd.nextInt(12), 200 + rnd.nextInt(1500), rnd.nextDouble() * unknown));
    }
  }

  @Test
  void tenThousandOpsFromFiftyClientsInSeconds() {
    long seed = Long.getLong("cairn.robustness.seed", System.nanoTime());
    replayable(seed, () -> {
      long t0 = System.nanoTime();
      roundTrip(seed, 50, 12_000, 0.03);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      System.out.println("12000 ops, 50 clients: generated and checked twice in " + ms + " ms");
      assertThat(ms).as("checker must stay fast").isLessThan(8_000);
    });
  }

  private void roundTrip(long seed, int clients, int ops, double unknownRate) {
    History h = new HistoryGenerator(seed, clients, ops, unknownRate).generate();
    Verdict valid = checker.check(h);
    assertThat(valid.isOk()).as("valid history rejected: %s", valid).isTrue();
    Random rnd = new Random(seed ^ 0x5EED);
    Mutant m = mutate(h, rnd);
    Verdict bad = checker.check(m.history());
    assertThat(bad.isViolation()).as("mutation not caught (%s): %s", m.what(), bad).isTrue();
  }

  private static void replayable(long seed, Runnable body) {
    try {
      body.run();
    } catch (Throwable t) {
      throw new AssertionError("failed with seed " + seed + " (replay: -Dtest=RandomHistoryTest -Dcairn.robustness.seed="
          + seed + " -Dcairn.robustness.rounds=1)", t);
    }
  }

  record Mutant(History history, String what) { }

  /** One change no execution can explain; kinds are tried in random order until one applies. */
  static Mutant mutate(History h, Random rnd) {
    List<BiFunction<History, Random, Mutant>> kinds = new ArrayList<>(List.of(
        RandomHistoryTest::neverWritten, RandomHistoryTest::reusedRevision, RandomHistoryTest::futureRevision,
        RandomHistoryTest::staleRead, RandomHistoryTest::impossibleCas, RandomHistoryTest::wrongModRevision));
    Collections.shuffle(kinds, rnd);
    for (BiFunction<History, Random, Mutant> k : kinds) {
      Mutant m = k.apply(h, rnd);
      if (m != null) {
        return m;
      }
    }
    throw new IllegalStateException("no mutation applies");
  }

  private static <T> T pick(List<T> xs, Random rnd) {
    return xs.isEmpty() ? null : xs.get(rnd.nextInt(xs.size()));
  }

  private static boolean linearizableRead(Op o) {
    return !o.unknown() && o.request() instanceof Range r && !r.serializable();
  }

  private static Op with(Op o, Response r) {
    return new Op(o.id(), o.client(), o.call(), o.ret(), o.request(), r);
  }

  private static Mutant neverWritten(History h, Random rnd) {
    Op o = pick(h.ops().stream().filter(x -> !x.unknown() && !x.response().kvs().isEmpty()).toList(), rnd);
    if (o == null) {
      return null;
    }
    List<KV> kvs = new ArrayList<>(o.response().kvs());
    KV kv = kvs.get(rnd.nextInt(kvs.size()));
    kvs.set(kvs.indexOf(kv), new KV(kv.key(), "never-written", kv.modRevision(), kv.createRevision(), kv.version(), kv.lease()));
    Response r = o.response();
    return new Mutant(HistoryGenerator.replace(h, with(o, new Response(r.revision(), kvs, r.deleted(), r.succeeded()))),
        "value never written in " + o);
  }

  private static Mutant reusedRevision(History h, Random rnd) {
    List<Op> writes = h.ops().stream().filter(Op::mutated).toList();
    if (writes.size() < 2) {
      return null;
    }
    Op a = pick(writes, rnd);
    Op b = pick(writes.stream().filter(x -> x != a).toList(), rnd);
    Response r = b.response();
    return new Mutant(HistoryGenerator.replace(h, with(b, new Response(a.response().revision(), r.kvs(), r.deleted(),
        r.succeeded()))), "revision of " + a + " given to " + b);
  }

  private static Mutant futureRevision(History h, Random rnd) {
    Op o = pick(h.ops().stream().filter(RandomHistoryTest::linearizableRead).toList(), rnd);
    if (o == null) {
      return null;
    }
    long beyond = h.ops().stream().filter(x -> !x.unknown()).mapToLong(x -> x.response().revision()).max().orElse(1)
        + h.ops().stream().filter(Op::unknown).count() + 1;
    return new Mutant(HistoryGenerator.replace(h, with(o, Response.range(beyond, o.response().kvs()))),
        "revision " + beyond + " read by " + o);
  }

  private static Mutant staleRead(History h, Random rnd) {
    List<Op> reads = new ArrayList<>(h.ops().stream().filter(RandomHistoryTest::linearizableRead).toList());
    Collections.shuffle(reads, rnd);
    for (Op o : reads) {
      Op w = h.ops().stream().filter(x -> x.mutated() && x.ret() < o.call()).findAny().orElse(null);
      if (w != null) {
        long stale = w.response().revision() - 1;
        return new Mutant(HistoryGenerator.replace(h, with(o, Response.range(stale, o.response().kvs()))),
            "revision " + stale + " read by " + o + " after " + w);
      }
    }
    return null;
  }

  private static Mutant impossibleCas(History h, Random rnd) {
    List<Long> written = h.ops().stream().filter(Op::mutated).map(x -> x.response().revision()).toList();
    Op o = pick(h.ops().stream().filter(x -> !x.unknown() && x.request() instanceof Cas && !x.response().succeeded()
        && written.contains(x.response().revision())).toList(), rnd);
    if (o == null) {
      return null;
    }
    return new Mutant(HistoryGenerator.replace(h, with(o, Response.cas(o.response().revision(), true, List.of()))),
        "failed CAS turned into success: " + o);
  }

  private static Mutant wrongModRevision(History h, Random rnd) {
    List<Op> reads = new ArrayList<>(h.ops().stream().filter(x -> !x.unknown() && !x.response().kvs().isEmpty()).toList());
    Collections.shuffle(reads, rnd);
    for (Op o : reads) {
      KV kv = o.response().kvs().get(rnd.nextInt(o.response().kvs().size()));
      List<Op> others = h.ops().stream().filter(x -> x.mutated() && x.response().revision() <= o.response().revision()
          && x.response().revision() != kv.modRevision()
          && !(x.request() instanceof Put p && p.value().equals(kv.value()))
          && !(x.request() instanceof Cas c && c.value().equals(kv.value()))).toList();
      Op x = pick(others, rnd);
      if (x != null) {
        List<KV> kvs = new ArrayList<>(o.response().kvs());
        kvs.set(kvs.indexOf(kv), new KV(kv.key(), kv.value(), x.response().revision(), kv.createRevision(),
            kv.version(), kv.lease()));
        Response r = o.response();
        return new Mutant(HistoryGenerator.replace(h, with(o, new Response(r.revision(), kvs, r.deleted(),
            r.succeeded()))), "mod_revision of " + kv + " moved to " + x.response().revision() + " in " + o);
      }
    }
    return null;
  }
}
