package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.proto.etcdserverpb.MaintenanceGrpc;
import io.cairn.proto.etcdserverpb.StatusRequest;
import io.cairn.proto.etcdserverpb.WatchCreateRequest;
import io.cairn.proto.etcdserverpb.WatchGrpc;
import io.cairn.proto.etcdserverpb.WatchProgressRequest;
import io.cairn.proto.etcdserverpb.WatchRequest;
import io.cairn.proto.etcdserverpb.WatchResponse;
import io.cairn.proto.mvccpb.KeyValue;
import io.cairn.server.it.ApiserverStore.Ack;
import io.cairn.server.it.ApiserverStore.Listed;
import io.cairn.server.it.ApiserverStore.Outcome;
import io.cairn.server.it.ApiserverWatch.Ev;
import io.cairn.server.it.ApiserverWatch.Progress;
import io.cairn.server.it.ApiserverWatch.Segment;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 16: the Kubernetes apiserver's etcd calls, in their exact shapes (etcd-v3-api.md section 6, see
 * {@link ApiserverStore} and {@link ApiserverWatch}), on a 3-member Cairn and on a 3-member real etcd with the same
 * assertions, while the leader is killed (SIGKILL, restarted from its data dir) and the apiserver's compactor
 * compacts. Concurrent clients create, CAS-update and delete shared objects with the apiserver's retries; a lister
 * pages through the prefix at a fixed revision and counts it; watchers resume from their resource version + 1 on
 * another member and relist after a 410. In the end every watcher's events, list by list, must be the store's history
 * of the prefix: no revision missing or repeated, prev_kv equal to the previous state of the key, every acknowledged
 * write exactly once with its value and lease, bookmarks never ahead of an event, and the final state equal to a
 * final List. {@code -Dapiserver.mutate=skip} (each watcher drops one event) and {@code -Dapiserver.mutate=repeat}
 * (watches resume one revision early) must make it fail.
 */
class ApiserverPatternsTest {
  static final String PREFIX = "/registry/pods/";
  static final int LIMIT = 5;
  static final int WRITERS = 4;
  static final List<String> KEYS = new ArrayList<>();

  static {
    for (int ns = 0; ns < 2; ns++) {
      for (int pod = 0; pod < 8; pod++) {
        KEYS.add(PREFIX + "ns" + ns + "/pod-" + pod);
      }
    }
  }

  @TempDir
  Path dir;
  List<Member> members = List.of();
  boolean requestedProgressIsBookmark;
  boolean futureProgressHeldBack;
  final List<AutoCloseable> closeables = new ArrayList<>();
  final ScheduledExecutorService retry = Executors.newScheduledThreadPool(2);
  final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stop() throws Exception {
    pool.shutdownNow();
    retry.shutdownNow();
    for (AutoCloseable c : closeables) {
      c.close();
    }
    for (Member m : members) {
      m.close();
    }
  }

  /** What the traffic did, for the report and for checking that every path ran. */
  static final class Stats {
    final AtomicInteger creates = new AtomicInteger();
    final AtomicInteger createConflicts = new AtomicInteger();
    final AtomicInteger updates = new AtomicInteger();
    final AtomicInteger updateRetries = new AtomicInteger();
    final AtomicInteger deletes = new AtomicInteger();
    final AtomicInteger deleteRetries = new AtomicInteger();
    final AtomicInteger notFound = new AtomicInteger();
    final AtomicInteger failures = new AtomicInteger();
    final AtomicInteger lists = new AtomicInteger();
    final AtomicInteger listsCompacted = new AtomicInteger();
    final AtomicInteger listFailures = new AtomicInteger();

    @Override
    public String toString() {
      return "creates=" + creates + " createConflicts=" + createConflicts + " updates=" + updates + " updateRetries="
          + updateRetries + " deletes=" + deletes + " deleteRetries=" + deleteRetries + " notFound=" + notFound
          + " failedCalls=" + failures + " lists=" + lists + " lists410=" + listsCompacted + " listFailures="
          + listFailures;
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"cairn", "etcd"})
  void apiserverPatternsSurviveALeaderKillAndACompaction(String kind) throws Exception {
    Member.requireIntegrationPhase();
    long t0 = System.nanoTime();
    String[] flags = {"--experimental-watch-progress-notify-interval", "1s"};
    members = kind.equals("etcd") ? Member.etcdCluster(dir, 3, flags) : Member.cairnCluster(dir, 3, flags);
    ClusterTest.awaitLeader(members);
    phase(t0, kind + ": cluster up");
    List<String> endpoints = members.stream().map(Member::endpoint).toList();
    int leader = leaderIndex();
    String version = serverVersion(endpoints.get(0));
    requestedProgressIsBookmark = apiserverTrustsRequestProgress(version);
    futureProgressHeldBack = holdsBackFutureProgress(version);
    if (kind.equals("cairn")) {
      assertThat(requestedProgressIsBookmark).as("Cairn reports %s, which the apiserver trusts", version).isTrue();
      assertThat(futureProgressHeldBack).as("Cairn reports %s", version).isTrue();
    }
    ApiserverStore admin = closing(new ApiserverStore(endpoints, leader == 0 ? 1 : 0));
    long lease = admin.grantLease(3600);

    long probeRev = progressOnAQuietStream(admin, endpoints.get(leader));

    // the informer's first list, then the watches from its revision + 1: one on the leader, one on a follower
    Listed initial = admin.list(PREFIX, LIMIT);
    assertThat(initial.revision()).isGreaterThanOrEqualTo(probeRev);
    ApiserverWatch onLeader = watch("w-leader", initial, endpoints, leader, admin);
    ApiserverWatch onFollower = watch("w-follower", initial, endpoints, (leader + 1) % 3, admin);

    List<Ack> acks = new CopyOnWriteArrayList<>();
    List<Listed> snapshots = new CopyOnWriteArrayList<>();
    List<String> failures = new CopyOnWriteArrayList<>();
    Stats stats = new Stats();
    AtomicBoolean stop = new AtomicBoolean();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    List<Future<?>> traffic = new ArrayList<>();
    for (int c = 0; c < WRITERS; c++) {
      int id = c;
      ApiserverStore st = closing(new ApiserverStore(endpoints, c));
      traffic.add(pool.submit(() -> guard(failures, () -> writer(id, st, lease, acks, stats, stop, deadline))));
    }
    ApiserverStore listStore = closing(new ApiserverStore(endpoints, 2));
    traffic.add(pool.submit(() -> guard(failures, () -> lister(listStore, snapshots, stats, stop, deadline))));
    List<ApiserverWatch> watches = new CopyOnWriteArrayList<>(List.of(onLeader, onFollower));
    ScheduledFuture<?> progress = retry.scheduleAtFixedRate(() -> watches.forEach(ApiserverWatch::requestProgress),
        300, 300, TimeUnit.MILLISECONDS);

    // the apiserver's compactor, round 1: records the revision it will compact to one interval later
    awaitAcks(acks, 60, failures);
    phase(t0, "compaction round 1");
    ApiserverStore.Round round1 = compactRound(admin, 0, 0);
    assertThat(round1.won()).isTrue();
    long compactTo = round1.revision();

    // kill -9 the leader under load, wait for a new one, keep writing, restart it from its data dir
    awaitAcks(acks, acks.size() + 60, failures);
    String oldLeader = ClusterTest.awaitLeader(members);
    int killedIndex = leaderIndex();
    Member killed = members.get(killedIndex);
    ApiserverWatch onKilled = killedIndex == leader ? onLeader
        : killedIndex == (leader + 1) % 3 ? onFollower : null;
    phase(t0, "kill -9 the leader, pid " + killed.pid());
    killed.kill(); // SIGKILL to its PID
    List<Member> alive = members.stream().filter(Member::isAlive).toList();
    assertThat(alive).hasSize(2);
    ClusterTest.awaitLeader(alive, oldLeader);
    phase(t0, "a new leader");
    awaitAcks(acks, acks.size() + 60, failures);
    phase(t0, "new leader and writes acknowledged; restart");
    Listed beforeRestart = admin.list(PREFIX, LIMIT);
    killed.startProcess();
    // a watch from a revision the restarted member may not have applied yet: it waits, then misses nothing
    watches.add(watch("w-rejoined", beforeRestart, endpoints, killedIndex, admin));
    ClusterTest.awaitLeader(members);
    phase(t0, "restarted and back in the cluster");

    // round 2: the compactor wins the txn and compacts to the revision of round 1
    ApiserverStore.Round round2 = compactRound(admin, round1.t(), compactTo);
    assertThat(round2.won()).isTrue();
    assertCompactedEverywhere(endpoints, compactTo);

    // a watch cache restarting from its stale resource version gets a 410 and relists
    ApiserverWatch stale = watch("w-stale", initial, endpoints, leader, admin);
    watches.add(stale);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> stale.relists() >= 1 || !failures.isEmpty());

    phase(t0, "stale watch relisted");
    awaitAcks(acks, acks.size() + 60, failures);
    stop.set(true);
    for (Future<?> f : traffic) {
      f.get(30, TimeUnit.SECONDS);
    }
    progress.cancel(false);
    assertThat(failures).as("traffic failures").isEmpty();

    // the store's final state and revision, and the revisions outside the prefix (the compactor's two txns)
    Listed fin = admin.list(PREFIX, LIMIT);
    KeyValue compactKey = admin.get(ApiserverStore.COMPACT_REV_KEY);
    assertThat(compactKey.getVersion()).as("compact_rev_key written once per round").isEqualTo(2);
    assertThat(ApiserverStore.s(compactKey.getValue())).isEqualTo(Long.toString(compactTo));
    Set<Long> outside = Set.of(compactKey.getCreateRevision(), compactKey.getModRevision());
    assertThat(admin.count(PREFIX, 0)).isEqualTo(fin.kvs().size());
    long lastPrefixRev = fin.revision();
    while (outside.contains(lastPrefixRev)) {
      lastPrefixRev--;
    }
    long target = lastPrefixRev;
    for (ApiserverWatch w : watches) {
      Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> {
            w.requestProgress();
            return w.resourceVersion() >= target || !w.errors.isEmpty();
          });
      w.close();
    }

    phase(t0, "watches caught up");
    List<String> problems = new ArrayList<>();
    for (ApiserverWatch w : watches) {
      problems.addAll(w.errors);
      problems.addAll(check(w, fin, acks, outside, compactTo));
    }
    problems.addAll(checkSnapshots(snapshots, onFollower.segments.size() == 1 ? onFollower : onLeader, compactTo));
    String report = kind + ": " + stats + ", acks=" + acks.size() + ", final revision " + fin.revision()
        + ", compacted to " + compactTo + ", list snapshots " + snapshots.size() + ", "
        + watches.stream().map(w -> w.name + "{events=" + w.allEvents().size() + " resumes=" + w.resumes()
            + " relists=" + w.relists() + " bookmarks(-1)=" + w.segments.stream().flatMap(s -> s.progress.stream())
            .filter(p -> p.watchId() == -1).count() + " interruptions=" + w.interruptions + "}").toList()
        + ", " + Duration.ofNanos(System.nanoTime() - t0).toSeconds() + " s";
    System.out.println("ApiserverPatternsTest " + report);
    assertThat(problems).as(report).isEmpty();

    // every path of the apiserver's calls ran, and the faults hit the watches
    assertThat(stats.updateRetries.get()).as(report).isPositive();
    assertThat(stats.deletes.get()).as(report).isPositive();
    assertThat(stats.createConflicts.get() + stats.notFound.get()).as(report).isPositive();
    assertThat(snapshots).as(report).isNotEmpty();
    if (onKilled != null) {
      assertThat(onKilled.resumes()).as("the watch on the killed leader resumed: " + report).isPositive();
    }
    assertThat(stale.relists()).as(report).isEqualTo(1);
    // ErrCompacted as etcd sends it: canceled, compact_revision = the compacted revision, no reason, no events
    assertThat(stale.compactedResponses).as(report).hasSize(1).allSatisfy(r -> {
      assertThat(r.getCanceled()).as("%s", r).isTrue();
      assertThat(r.getCompactRevision()).as("%s", r).isEqualTo(compactTo);
      assertThat(r.getCancelReason()).as("%s", r).isEmpty();
      assertThat(r.getEventsCount()).as("%s", r).isZero();
    });
    assertThat(watches.stream().flatMap(w -> w.segments.stream()).flatMap(s -> s.progress.stream())
        .filter(p -> p.watchId() == -1).count()).as("RequestProgress answers: " + report).isPositive();
  }

  private static void phase(long t0, String what) {
    System.out.printf("ApiserverPatternsTest %5.1f s %s%n", (System.nanoTime() - t0) / 1e9, what);
  }

  private <T extends AutoCloseable> T closing(T c) {
    closeables.add(c);
    return c;
  }

  private ApiserverWatch watch(String name, Listed from, List<String> endpoints, int first, ApiserverStore lister) {
    ApiserverWatch w = closing(new ApiserverWatch(name, PREFIX, from.revision(), from.kvs(), endpoints, first, lister,
        LIMIT, retry, requestedProgressIsBookmark, futureProgressHeldBack));
    w.start();
    return w;
  }

  private static void guard(List<String> failures, Runnable r) {
    try {
      r.run();
    } catch (Throwable t) {
      failures.add(t.toString());
      throw t;
    }
  }

  private static void awaitAcks(List<Ack> acks, int atLeast, List<String> failures) {
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> acks.size() >= atLeast || !failures.isEmpty());
    assertThat(failures).isEmpty();
  }

  /** The index of the member the cluster agrees leads. */
  private int leaderIndex() {
    String hex = ClusterTest.awaitLeader(members);
    for (int i = 0; i < members.size(); i++) {
      ManagedChannel ch = ManagedChannelBuilder.forTarget(members.get(i).endpoint()).usePlaintext().build();
      try {
        long id = MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
            .status(StatusRequest.getDefaultInstance()).getHeader().getMemberId();
        if (Long.toHexString(id).equals(hex)) {
          return i;
        }
      } finally {
        ch.shutdownNow();
      }
    }
    throw new AssertionError("no member has the leader's id " + hex);
  }

  private static String serverVersion(String endpoint) {
    ManagedChannel ch = ManagedChannelBuilder.forTarget(endpoint).usePlaintext().build();
    try {
      return MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
          .status(StatusRequest.getDefaultInstance()).getVersion();
    } finally {
      ch.shutdownNow();
    }
  }

  /**
   * The apiserver's gate for RequestWatchProgress (etcd-v3-api.md section 6): version >= 3.5.13, or 3.4.31 and later
   * 3.4 releases. Real etcd 3.4.23 is below it: its answers (still watch id -1) are not ordered with the events.
   */
  static boolean apiserverTrustsRequestProgress(String version) {
    return releasedFrom(version, 31, 13, 0);
  }

  /**
   * Whether this version holds back progress for a watch from a revision the member has not reached (etcd-io/etcd#20229:
   * 3.4.38, 3.5.22, 3.6.2 and later). Real etcd 3.4.23 does not: a resumed watch can get a progress notification below
   * events it already had.
   */
  static boolean holdsBackFutureProgress(String version) {
    return releasedFrom(version, 38, 22, 2);
  }

  /** Whether {@code version} is at least 3.4.{@code p34}, 3.5.{@code p35} or 3.6.{@code p36} in its line, or newer. */
  private static boolean releasedFrom(String version, int p34, int p35, int p36) {
    String[] v = version.split("[.-]");
    int major = Integer.parseInt(v[0]);
    int minor = Integer.parseInt(v[1]);
    int patch = Integer.parseInt(v[2]);
    return major > 3 || (major == 3 && (minor > 6 || (minor == 6 && patch >= p36) || (minor == 5 && patch >= p35)
        || (minor == 4 && patch >= p34)));
  }

  /** A compactor round, retried (bounded) while members fail: a retry after a lost success loses the txn. */
  private static ApiserverStore.Round compactRound(ApiserverStore st, long t, long rev) {
    StatusRuntimeException last = null;
    for (int attempt = 0; attempt < 20; attempt++) {
      try {
        return st.compactRound(t, rev);
      } catch (StatusRuntimeException e) {
        last = e;
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
      }
    }
    throw new AssertionError("compaction round failed 20 times", last);
  }

  /** After Compact(rev): reads below rev fail with etcd's compacted error on every member, at rev they work. */
  private static void assertCompactedEverywhere(List<String> endpoints, long rev) {
    for (int i = 0; i < endpoints.size(); i++) {
      try (ApiserverStore one = new ApiserverStore(List.of(endpoints.get(i)), 0)) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptionsMatching(e -> !ApiserverStore.compacted(e))
            .untilAsserted(() -> assertThatThrownBy(() -> one.rangeAt(PREFIX, rev - 1))
                .isInstanceOf(StatusRuntimeException.class)
                .hasMessage("OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted"));
        assertThat(one.rangeAt(PREFIX, rev).getHeader().getRevision()).isGreaterThanOrEqualTo(rev);
        assertThatThrownBy(() -> one.compact(rev)).isInstanceOf(StatusRuntimeException.class)
            .hasMessage("OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted");
      }
    }
  }

  /**
   * On a stream with one synced watch and no traffic: an event, then RequestProgress answered by an empty response
   * with watch_id -1 and the current revision, and the periodic progress_notify (1 s here) with the watch's own id.
   * Returns the probe's revision.
   */
  private static long progressOnAQuietStream(ApiserverStore st, String endpoint) throws InterruptedException {
    ManagedChannel ch = ManagedChannelBuilder.forTarget(endpoint).usePlaintext().build();
    try {
      Metadata md = new Metadata();
      md.put(ApiserverWatch.HAS_LEADER, "true");
      BlockingQueue<WatchResponse> got = new LinkedBlockingQueue<>();
      StreamObserver<WatchRequest> req = WatchGrpc.newStub(ch)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md)).watch(new StreamObserver<>() {
            @Override
            public void onNext(WatchResponse r) {
              got.add(r);
            }

            @Override
            public void onError(Throwable t) {
              got.add(WatchResponse.newBuilder().setCancelReason("stream error " + t).setCanceled(true).build());
            }

            @Override
            public void onCompleted() {
            }
          });
      long rv = st.list(PREFIX, LIMIT).revision();
      req.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
          .setKey(ApiserverStore.b(PREFIX)).setRangeEnd(ApiserverStore.b(ApiserverStore.prefixEnd(PREFIX)))
          .setStartRevision(rv + 1).setPrevKv(true).setProgressNotify(true)).build());
      WatchResponse created = got.poll(10, TimeUnit.SECONDS);
      assertThat(created).isNotNull();
      assertThat(created.getCreated()).as("%s", created).isTrue();
      assertThat(created.getWatchId()).as("first watch on a stream").isZero();
      Ack probe = st.create(PREFIX + "probe", "p", 0);
      assertThat(probe).isNotNull();
      WatchResponse event = null;
      for (int i = 0; i < 20 && (event == null || event.getEventsCount() == 0); i++) {
        event = got.poll(10, TimeUnit.SECONDS); // a periodic progress (watch id 0, revision rv) may come first
        assertThat(event).isNotNull();
        if (event.getEventsCount() == 0) {
          assertThat(event.getWatchId()).as("%s", event).isZero();
          assertThat(event.getHeader().getRevision()).as("%s", event).isEqualTo(rv);
        }
      }
      assertThat(event.getEventsList()).as("%s", event).hasSize(1);
      assertThat(event.getEvents(0).getKv().getModRevision()).isEqualTo(probe.revision());
      assertThat(event.getEvents(0).hasPrevKv()).as("a create has no prev_kv").isFalse();
      req.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
      List<WatchResponse> periodic = new ArrayList<>();
      WatchResponse answer = null;
      for (int i = 0; i < 20 && (answer == null || periodic.isEmpty()); i++) {
        WatchResponse r = got.poll(5, TimeUnit.SECONDS);
        assertThat(r).as("a progress response within 5 s").isNotNull();
        assertThat(r.getEventsCount()).as("%s", r).isZero();
        assertThat(r.getCreated() || r.getCanceled() || r.getCompactRevision() != 0).as("%s", r).isFalse();
        assertThat(r.getHeader().getRevision()).as("%s", r).isEqualTo(probe.revision());
        if (r.getWatchId() == -1) {
          answer = r;
        } else {
          assertThat(r.getWatchId()).as("periodic progress carries the watch's own id: %s", r).isZero();
          periodic.add(r);
        }
      }
      assertThat(answer).as("RequestProgress answered with watch_id -1").isNotNull();
      assertThat(periodic).as("periodic progress_notify").isNotEmpty();
      // a second watch on the stream, from a revision the store has not reached: it counts as synced, so
      // RequestProgress is answered at once, with the current revision (below that watch's start)
      req.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
          .setKey(ApiserverStore.b(PREFIX)).setRangeEnd(ApiserverStore.b(ApiserverStore.prefixEnd(PREFIX)))
          .setStartRevision(probe.revision() + 1000).setPrevKv(true)).build());
      WatchResponse second = null;
      for (int i = 0; i < 20 && (second == null || !second.getCreated()); i++) {
        second = got.poll(5, TimeUnit.SECONDS);
        assertThat(second).as("the second create answered").isNotNull();
      }
      assertThat(second.getWatchId()).as("%s", second).isEqualTo(1);
      assertThat(second.getHeader().getRevision()).as("%s", second).isEqualTo(probe.revision());
      req.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
      WatchResponse future = null;
      for (int i = 0; i < 20 && (future == null || future.getWatchId() != -1); i++) {
        future = got.poll(5, TimeUnit.SECONDS);
        assertThat(future).as("RequestProgress answered with a watch from a future revision").isNotNull();
        assertThat(future.getEventsCount()).as("%s", future).isZero();
        assertThat(future.getHeader().getRevision()).as("%s", future).isEqualTo(probe.revision());
      }
      req.onCompleted();
      return probe.revision();
    } finally {
      ch.shutdownNow();
    }
  }

  /** One apiserver client: Create, GuaranteedUpdate and Delete with the apiserver's retries, on shared objects. */
  private static void writer(int id, ApiserverStore st, long lease, List<Ack> acks, Stats stats, AtomicBoolean stop,
      long deadline) {
    Random rnd = new Random(16_000L + id);
    Map<String, Long> cache = new HashMap<>(); // the informer's view: key -> mod_revision, 0 absent, none: unknown
    for (int n = 0; n < 20_000 && !stop.get() && System.nanoTime() < deadline; n++) {
      String key = KEYS.get(rnd.nextInt(KEYS.size()));
      long keyLease = key.contains("/ns0/") ? lease : 0; // ns0 holds Events-like objects with a TTL
      String value = "c" + id + "-" + n;
      try {
        Long rev = cache.get(key);
        if (rev == null) {
          KeyValue kv = st.get(key);
          cache.put(key, kv == null ? 0 : kv.getModRevision());
        } else if (rev == 0) {
          Ack a = st.create(key, value, keyLease);
          if (a == null) {
            stats.createConflicts.incrementAndGet();
            cache.remove(key);
          } else {
            stats.creates.incrementAndGet();
            acks.add(a);
            cache.put(key, a.revision());
          }
        } else if (rnd.nextInt(100) < 80) {
          long cur = rev;
          for (int attempt = 0; attempt < 5; attempt++) {
            Outcome o = st.update(key, cur, value + "-a" + attempt, keyLease);
            if (o.ack() != null) {
              stats.updates.incrementAndGet();
              acks.add(o.ack());
              cache.put(key, o.ack().revision());
              break;
            }
            if (o.current() == null) {
              stats.notFound.incrementAndGet();
              cache.put(key, 0L);
              break;
            }
            stats.updateRetries.incrementAndGet();
            cur = o.current().getModRevision();
            cache.put(key, cur);
          }
        } else {
          long cur = rev;
          for (int attempt = 0; attempt < 5; attempt++) {
            Outcome o = st.delete(key, cur);
            if (o.ack() != null) {
              stats.deletes.incrementAndGet();
              acks.add(o.ack());
              cache.put(key, 0L);
              break;
            }
            if (o.current() == null) {
              stats.notFound.incrementAndGet();
              cache.put(key, 0L);
              break;
            }
            stats.deleteRetries.incrementAndGet();
            cur = o.current().getModRevision();
            cache.put(key, cur);
          }
        }
      } catch (StatusRuntimeException e) {
        // no leader, member gone, timeout: the outcome is unknown, so the object is read again before the next write
        stats.failures.incrementAndGet();
        cache.remove(key);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
    }
  }

  /** Paginated lists at a fixed revision, each with count_only at that revision and now. */
  private static void lister(ApiserverStore st, List<Listed> snapshots, Stats stats, AtomicBoolean stop,
      long deadline) {
    for (int n = 0; n < 2_000 && !stop.get() && System.nanoTime() < deadline; n++) {
      try {
        Listed l = st.list(PREFIX, LIMIT);
        stats.lists.incrementAndGet();
        snapshots.add(l);
        long counted = st.count(PREFIX, l.revision());
        if (counted != l.kvs().size()) {
          throw new AssertionError("count_only at " + l.revision() + " = " + counted + ", listed " + l.kvs().size());
        }
        st.count(PREFIX, 0);
      } catch (StatusRuntimeException e) {
        if (ApiserverStore.compacted(e)) {
          stats.listsCompacted.incrementAndGet(); // the apiserver's 410 Expired: the client lists again
        } else {
          stats.listFailures.incrementAndGet();
        }
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // pacing, as informers relist rarely
    }
  }

  private static boolean sameObject(KeyValue a, KeyValue b) {
    return a.equals(b);
  }

  private static String show(KeyValue kv) {
    return kv == null ? "none" : ApiserverStore.s(kv.getKey()) + "=" + ApiserverStore.s(kv.getValue()) + "@mod"
        + kv.getModRevision() + "/create" + kv.getCreateRevision() + "/v" + kv.getVersion() + "/lease" + kv.getLease();
  }

  /**
   * One watch against the store's history, list by list: the events after a list must be exactly the prefix's
   * revisions after it (the compactor's revisions excepted), in order, each with the prev_kv the key had, and the last
   * list plus its events must be the final state; every acknowledged write a list's events cover appears once.
   */
  static List<String> check(ApiserverWatch w, Listed fin, List<Ack> acks, Set<Long> outside, long compactRev) {
    List<String> problems = new ArrayList<>();
    TreeMap<Long, Ack> ackByRev = new TreeMap<>();
    for (Ack a : acks) {
      if (ackByRev.put(a.revision(), a) != null) {
        problems.add("two acknowledged writes at revision " + a.revision());
      }
    }
    for (int si = 0; si < w.segments.size(); si++) {
      Segment seg = w.segments.get(si);
      boolean last = si == w.segments.size() - 1;
      String where = w.name + " list " + si + " (from " + seg.listRevision + ")";
      Map<String, KeyValue> state = new HashMap<>(seg.listed);
      Map<Long, Ev> byRev = new HashMap<>();
      long prev = seg.listRevision;
      for (Ev e : seg.events) {
        long r = e.revision();
        if (r <= prev) {
          problems.add(where + ": event at " + r + " after " + prev + " (repeated or out of order): " + show(e.kv()));
          continue;
        }
        for (long gap = prev + 1; gap < r; gap++) {
          if (!outside.contains(gap)) {
            problems.add(where + ": no event for revision " + gap + " (next was " + r + ")");
          }
        }
        prev = r;
        byRev.put(r, e);
        String key = e.key();
        if (!key.startsWith(PREFIX)) {
          problems.add(where + ": event outside the prefix " + key);
        }
        KeyValue before = state.get(key);
        boolean prevOmittedAsCompacted = e.prevKv() == null && r == compactRev;
        if (e.delete()) {
          if (before == null) {
            problems.add(where + ": delete of absent " + key + " at " + r);
          } else if (!prevOmittedAsCompacted && (e.prevKv() == null || !sameObject(e.prevKv(), before))) {
            problems.add(where + ": delete at " + r + " prev_kv " + show(e.prevKv()) + ", the key was " + show(before));
          }
          if (e.kv().getCreateRevision() != 0 || e.kv().getVersion() != 0 || !e.kv().getValue().isEmpty()) {
            problems.add(where + ": delete event kv carries more than key and mod_revision: " + show(e.kv()));
          }
          state.remove(key);
        } else {
          if (before == null ? e.prevKv() != null : !prevOmittedAsCompacted
              && (e.prevKv() == null || !sameObject(e.prevKv(), before))) {
            problems.add(where + ": put at " + r + " prev_kv " + show(e.prevKv()) + ", the key was " + show(before));
          }
          long create = before == null ? r : before.getCreateRevision();
          long version = before == null ? 1 : before.getVersion() + 1;
          if (e.kv().getCreateRevision() != create || e.kv().getVersion() != version) {
            problems.add(where + ": put " + show(e.kv()) + " after " + show(before));
          }
          state.put(key, e.kv());
        }
      }
      long end = last ? fin.revision() : prev;
      if (last) {
        for (long gap = prev + 1; gap <= end; gap++) {
          if (!outside.contains(gap)) {
            problems.add(where + ": no event for revision " + gap + " (the last before the end, " + end + ")");
          }
        }
        if (!state.equals(fin.kvs())) {
          Set<String> keys = new HashSet<>(state.keySet());
          keys.addAll(fin.kvs().keySet());
          for (String k : keys) {
            if (!java.util.Objects.equals(state.get(k), fin.kvs().get(k))) {
              problems.add(where + ": final " + k + " per the watch " + show(state.get(k)) + ", listed "
                  + show(fin.kvs().get(k)));
            }
          }
        }
      }
      for (Ack a : ackByRev.subMap(seg.listRevision, false, end, true).values()) {
        Ev e = byRev.get(a.revision());
        if (e == null) {
          problems.add(where + ": acknowledged write at " + a.revision() + " to " + a.key() + " never watched");
        } else if (!e.key().equals(a.key()) || e.delete() != a.delete()
            || (!a.delete() && (!ApiserverStore.s(e.kv().getValue()).equals(a.value())
                || e.kv().getLease() != a.lease()))) {
          problems.add(where + ": acknowledged " + a + " watched as " + show(e.kv()) + (e.delete() ? " (delete)" : ""));
        }
      }
      for (Progress p : seg.progress) {
        if (p.watchId() < -1) {
          problems.add(where + ": progress with watch id " + p.watchId());
        }
        if (!p.bookmark()) {
          continue; // an answer to RequestProgress from a server the apiserver does not ask (see ApiserverWatch)
        }
        // progress below the stream's start revision is not a bookmark (ApiserverWatch#futureProgressHeldBack); a
        // bookmark must not come after an event above it nor before one at or below it
        for (int i = 0; i < seg.events.size(); i++) {
          long r = seg.events.get(i).revision();
          if (i < p.eventsBefore() ? r > p.revision() : r <= p.revision()) {
            problems.add(where + ": event at " + r + " " + (i < p.eventsBefore() ? "before" : "after")
                + " bookmark " + p.revision() + " (watch id " + p.watchId() + ")");
          }
        }
      }
    }
    return problems.size() > 50 ? new ArrayList<>(problems.subList(0, 50)) : problems;
  }

  /** Every list at a fixed revision equals the watch's replay of the history at that revision. */
  static List<String> checkSnapshots(List<Listed> snapshots, ApiserverWatch w, long compactRev) {
    List<String> problems = new ArrayList<>();
    Segment seg = w.segments.get(0);
    long covered = w.segments.size() == 1 || seg.events.isEmpty() ? Long.MAX_VALUE
        : seg.events.get(seg.events.size() - 1).revision();
    for (Listed l : snapshots) {
      Map<String, KeyValue> state = new HashMap<>(seg.listed);
      if (l.revision() < seg.listRevision || l.revision() > covered) {
        continue;
      }
      for (Ev e : seg.events) {
        if (e.revision() > l.revision()) {
          break;
        }
        if (e.delete()) {
          state.remove(e.key());
        } else {
          state.put(e.key(), e.kv());
        }
      }
      if (!state.equals(l.kvs())) {
        problems.add("list at " + l.revision() + " (" + l.pages() + " pages) " + l.kvs().keySet()
            + " differs from the history there " + state.keySet());
      }
    }
    return problems;
  }
}
