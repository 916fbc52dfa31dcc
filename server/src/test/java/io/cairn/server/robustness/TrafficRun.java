package io.cairn.server.robustness;

import io.cairn.server.robustness.History.KV;
import io.cairn.server.robustness.History.Response;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A campaign's client side: {@code clients} threads sending etcd traffic over the given endpoints, each call
 * recorded; a lease client (grant, put under the lease, revoke); watchers on the key prefix from the first revision,
 * and more opened during the run from random revisions and as informers (list, then watch from its revision + 1);
 * then the checks. Bounded in operations and time. Clients never retry (jetcd's retries are off): a retried put could
 * be applied twice, which is the client's doing, not the server's.
 */
public final class TrafficRun {
  /** What a run did and found; {@code problem} is null when every check passed. */
  public record Result(int operations, int unknownWrites, int watchEvents, String problem) {}

  /** The shape of the key-value traffic. */
  public enum Profile {
    /** Puts, deletes, compare-and-swap txns, linearizable and serializable gets on a dozen keys. */
    MIXED,
    /**
     * As the Kubernetes apiserver: objects under {@code /registry/pods/<namespace>/}, 60% gets, 10% lists of a
     * namespace, 25% compare-and-swap updates retried on conflict with what the failed txn read, 5% creates (CAS on
     * mod_revision 0) and deletes.
     */
    KUBERNETES
  }

  static final String PREFIX = "k";
  private static final int KEYS = 12;

  private final List<String> endpoints;
  private final int clients;
  private final long seed;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();
  private final List<Client> jetcd = new CopyOnWriteArrayList<>();
  /** Every watch of the run: from the first revision, from random revisions, informers. */
  private final List<WatchRecording> watched = new CopyOnWriteArrayList<>();
  private final List<String> watchErrors = new CopyOnWriteArrayList<>();
  private History.Log log;
  private long baseRevision;

  private final int compactEveryMs;
  private final Profile profile;
  private LeaseTraffic leases;
  private LateWatchers late;

  /**
   * @param compactEveryMs compact every so often, keeping the last 100 revisions (0: never). Watches then cannot be
   *     checked from the first revision, so only the history, the leases and convergence are.
   */
  public TrafficRun(List<String> endpointUrls, int clients, long seed, int compactEveryMs, Profile profile) {
    this.endpoints = List.copyOf(endpointUrls);
    this.clients = clients;
    this.seed = seed;
    this.compactEveryMs = compactEveryMs;
    this.profile = profile;
  }

  private Client client() {
    Client c = Client.builder().endpoints(endpoints.toArray(String[]::new)).retryMaxAttempts(0)
        .waitForReady(false).build();
    jetcd.add(c);
    return c;
  }

  /** Starts traffic and watchers; {@code maxOpsPerClient} bounds each client. */
  public void start(int maxOpsPerClient) throws Exception {
    Client first = client();
    baseRevision = first.getKVClient().get(ByteSequence.from(PREFIX, StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS)
        .getHeader().getRevision();
    log = new History.Log(baseRevision);
    for (int w = 0; compactEveryMs == 0 && w < 2; w++) {
      Client c = client();
      WatchRecording rec = WatchRecording.onJetcd("watcher-" + w, baseRevision + 1, c);
      watched.add(rec);
      c.getWatchClient().watch(ByteSequence.from(PREFIX, StandardCharsets.UTF_8),
          WatchOption.builder().isPrefix(true).withPrevKV(true).withRevision(baseRevision + 1).build(),
          rec.listener(watchErrors));
    }
    if (compactEveryMs > 0) {
      Client c = client();
      spawn("traffic-compactor", () -> compact(c));
    }
    for (int i = 0; i < clients; i++) {
      int id = i;
      Recorder rec = new Recorder(client(), log, Duration.ofSeconds(3));
      Random rnd = new Random(seed * 31 + i);
      Runnable body = profile == Profile.KUBERNETES ? () -> KubernetesClient.drive(id, rec, rnd, maxOpsPerClient, stop)
          : () -> drive(id, rec, rnd, maxOpsPerClient);
      spawn("traffic-" + i, body);
    }
    Client leaseClient = client();
    leases = new LeaseTraffic(clients + 1, leaseClient, new Recorder(leaseClient, log, Duration.ofSeconds(3)),
        new Random(seed * 37));
    spawn("traffic-leases", () -> leases.drive(maxOpsPerClient, stop));
    if (compactEveryMs == 0) {
      late = new LateWatchers(endpoints, new Recorder(client(), log, Duration.ofSeconds(3)), clients + 2,
          new Random(seed * 41), watched);
      spawn("traffic-late-watchers", () -> late.run(4, 8000, baseRevision, stop));
      spawn("traffic-progress", this::requestProgress);
    }
  }

  private void spawn(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    threads.add(t);
    t.start();
  }

  private void drive(int id, Recorder rec, Random rnd, int maxOps) {
    long[] lastModRev = new long[KEYS];
    for (int n = 0; n < maxOps && !stop.get(); n++) {
      int k = rnd.nextInt(KEYS);
      String key = PREFIX + k;
      String value = "c" + id + "-" + n;
      int pick = rnd.nextInt(100);
      boolean failed;
      if (pick < 35) {
        failed = rec.put(id, key, value) < 0;
      } else if (pick < 42) {
        failed = rec.delete(id, key) == null;
      } else if (pick < 57) {
        Response r = rec.cas(id, key, lastModRev[k], value);
        if (r != null && !r.succeeded()) {
          lastModRev[k] = r.kvs().isEmpty() ? 0 : r.kvs().get(0).modRevision();
        }
        failed = r == null;
      } else {
        Response r = rec.get(id, key, rnd.nextInt(10) == 0, pick >= 90);
        if (r != null && !r.kvs().isEmpty()) {
          lastModRev[k] = r.kvs().get(0).modRevision();
        }
        failed = r == null;
      }
      if (failed) {
        // no leader or no member: back off a little rather than spin (and fill the history with failures)
        java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
      }
    }
  }

  /** Asks every watch's stream for a progress notification twice a second, until stopped. */
  private void requestProgress() {
    while (!stop.get()) {
      java.util.concurrent.locks.LockSupport.parkNanos(500_000_000L);
      watched.forEach(WatchRecording::requestProgress);
    }
  }

  /** Compacts to 100 revisions behind the current one every {@code compactEveryMs}, until stopped. */
  private void compact(Client c) {
    while (!stop.get()) {
      try {
        long rev = c.getKVClient().get(ByteSequence.from(PREFIX, StandardCharsets.UTF_8)).get(3, TimeUnit.SECONDS)
            .getHeader().getRevision();
        if (rev > 100) {
          c.getKVClient().compact(rev - 100).get(3, TimeUnit.SECONDS);
        }
      } catch (Exception duringFaults) {
        // compaction is best effort while members come and go
      }
      java.util.concurrent.locks.LockSupport.parkNanos(compactEveryMs * 1_000_000L);
    }
  }

  /** Stops the clients, reads every key once more through a healthy cluster, and checks everything. */
  public Result stopAndCheck() throws Exception {
    stop.set(true);
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(30));
    }
    // a last linearizable read of every key, so that a lost write shows even if nobody read it during the run
    Recorder last = new Recorder(client(), log, Duration.ofSeconds(10));
    Response all = null;
    for (int attempt = 0; attempt < 20 && all == null; attempt++) {
      all = last.get(clients, PREFIX, true, false);
    }
    History h = log.history();
    int unknown = (int) h.ops().stream().filter(History.Op::unknown).count();
    if (all == null) {
      return done(h.ops().size(), unknown, 0, "the final read of every key never succeeded");
    }
    Verdict v = new LinearizabilityChecker().check(h);
    if (!v.isOk()) {
      return done(h.ops().size(), unknown, 0, v.toString());
    }
    String leaseProblem = checkLeases(all);
    if (leaseProblem != null) {
      return done(h.ops().size(), unknown, 0, leaseProblem);
    }
    if (compactEveryMs > 0) {
      return done(h.ops().size(), unknown, 0, null);
    }
    // the committed writes as a watch from the first revision reports them once the cluster is quiet: checked
    // against the history (every acknowledged write among them), then every live watcher against them
    long endRev = all.revision();
    List<WatchValidator.Write> committed = committedWrites(endRev);
    if (committed == null) {
      return done(h.ops().size(), unknown, 0, "a watch from revision " + (baseRevision + 1) + " did not reach the"
          + " final revision " + endRev + " within 30 s on a healthy cluster");
    }
    String missing = acknowledgedMissing(h, committed);
    if (missing != null) {
      return done(h.ops().size(), unknown, 0, missing);
    }
    WatchValidator wv = new WatchValidator(baseRevision, committed);
    watchErrors.addAll(late.errors());
    int events = 0;
    long lastCommitted = committedLast(committed, endRev);
    for (WatchRecording w : watched) {
      List<List<WatchValidator.Event>> got = upTo(w.responses, endRev);
      events += got.stream().mapToInt(List::size).sum();
      WatchValidator.Watch watch = new WatchValidator.Watch(w.name, PREFIX, true, w.startRevision, true, got);
      Verdict wr = wv.validate(watch);
      if (wr.isOk()) {
        wr = wv.validateBookmarks(watch, List.copyOf(w.bookmarks));
      }
      if (!wr.isOk()) {
        return done(h.ops().size(), unknown, events, w.name + ": " + wr);
      }
      long lastSeen = got.isEmpty() ? w.startRevision - 1 : lastRevision(got);
      if (lastCommitted >= w.startRevision && lastSeen < lastCommitted) {
        return done(h.ops().size(), unknown, events, w.name + " (from revision " + w.startRevision
            + ") stopped at revision " + lastSeen + " though revision " + lastCommitted + " was committed; watch errors: "
            + watchErrors);
      }
    }
    int bookmarks = watched.stream().mapToInt(w -> w.bookmarks.size()).sum();
    if (bookmarks == 0) {
      return done(h.ops().size(), unknown, events, "no watch got a progress notification, though the run asked "
          + "for one twice a second: bookmarks went unchecked");
    }
    return done(h.ops().size(), unknown, events, null);
  }

  /** The lease checks, given the final read of every key; members may take a moment to list the same leases. */
  private String checkLeases(Response all) {
    java.util.Map<String, KV> finalKeys = new java.util.HashMap<>();
    all.kvs().forEach(kv -> finalKeys.put(kv.key(), kv));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String problem;
    do {
      problem = leases.check(finalKeys, LeaseTraffic.leasesOfEach(endpoints));
    } while (problem != null && System.nanoTime() < deadline && pause(200));
    return problem;
  }

  private static boolean pause(long ms) {
    java.util.concurrent.locks.LockSupport.parkNanos(ms * 1_000_000L);
    return true;
  }

  private static long committedLast(List<WatchValidator.Write> committed, long endRev) {
    return committed.stream().mapToLong(WatchValidator.Write::revision).filter(r -> r <= endRev).max().orElse(0);
  }

  /** The revision of the last event received (a response may hold several revisions). */
  private static long lastRevision(List<List<WatchValidator.Event>> got) {
    if (got.isEmpty()) {
      return 0;
    }
    List<WatchValidator.Event> last = got.get(got.size() - 1);
    return last.get(last.size() - 1).kv().modRevision();
  }

  /** Responses up to {@code endRev}, waiting (bounded) for the watchers to get there. */
  private static List<List<WatchValidator.Event>> upTo(List<List<WatchValidator.Event>> got, long endRev)
      throws InterruptedException {
    try {
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
          .until(() -> lastRevision(got) >= endRev);
    } catch (org.awaitility.core.ConditionTimeoutException behind) {
      // judged below: a watcher that never got there fails the reliability check
    }
    List<List<WatchValidator.Event>> out = new ArrayList<>();
    for (List<WatchValidator.Event> r : got) {
      if (r.get(0).kv().modRevision() <= endRev) {
        out.add(r);
      }
    }
    return out;
  }

  private List<WatchValidator.Write> committedWrites(long endRev) throws Exception {
    List<WatchValidator.Write> out = new CopyOnWriteArrayList<>();
    Client c = client();
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    try (Watch.Watcher w = c.getWatchClient().watch(ByteSequence.from(PREFIX, StandardCharsets.UTF_8),
        WatchOption.builder().isPrefix(true).withRevision(baseRevision + 1).build(), Watch.listener(r -> {
          for (WatchEvent e : r.getEvents()) {
            long rev = e.getKeyValue().getModRevision();
            if (rev > endRev) {
              continue;
            }
            String key = e.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
            out.add(e.getEventType() == WatchEvent.EventType.DELETE ? WatchValidator.Write.delete(rev, key)
                : new WatchValidator.Write(rev, key, WatchValidator.Type.PUT,
                    e.getKeyValue().getValue().toString(StandardCharsets.UTF_8), e.getKeyValue().getLease()));
            if (rev == endRev) {
              done.countDown();
            }
          }
        }))) {
      if (endRev > baseRevision && !done.await(30, TimeUnit.SECONDS)) {
        return null;
      }
    }
    return new ArrayList<>(out);
  }

  /** An acknowledged put or CAS whose value the committed writes lack at its revision. */
  private static String acknowledgedMissing(History h, List<WatchValidator.Write> committed) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    committed.forEach(w -> seen.add(w.revision() + " " + w.key() + " " + w.value()));
    for (History.Op op : h.ops()) {
      if (op.unknown()) {
        continue;
      }
      if (op.request() instanceof History.Put p && !seen.contains(op.response().revision() + " " + p.key() + " "
          + p.value())) {
        return "acknowledged write lost: " + op;
      }
      if (op.request() instanceof History.Cas c && op.response().succeeded()
          && !seen.contains(op.response().revision() + " " + c.key() + " " + c.value())) {
        return "acknowledged write lost: " + op;
      }
    }
    return null;
  }

  private Result done(int ops, int unknown, int events, String problem) {
    if (late != null) {
      late.close();
    }
    for (Client c : jetcd) {
      c.close();
    }
    return new Result(ops, unknown, events, problem);
  }

  static WatchValidator.Event event(WatchEvent e) {
    var kv = e.getKeyValue();
    KV now = new KV(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().toString(StandardCharsets.UTF_8),
        kv.getModRevision(), kv.getCreateRevision(), kv.getVersion(), kv.getLease());
    var p = e.getPrevKV();
    KV prev = p == null || p.getKey() == null || p.getKey().isEmpty() ? null
        : new KV(p.getKey().toString(StandardCharsets.UTF_8), p.getValue().toString(StandardCharsets.UTF_8),
            p.getModRevision(), p.getCreateRevision(), p.getVersion(), p.getLease());
    return new WatchValidator.Event(e.getEventType() == WatchEvent.EventType.DELETE ? WatchValidator.Type.DELETE
        : WatchValidator.Type.PUT, now, prev);
  }
}
