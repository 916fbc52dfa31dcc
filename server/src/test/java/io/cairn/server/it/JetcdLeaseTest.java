package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.Lock;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.election.NoLeaderException;
import io.etcd.jetcd.election.NotLeaderException;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jetcd 0.8.7 against a running Cairn: the Lease client (grant, keep-alive, time-to-live, revoke, expiry), and the
 * Lock and Election clients, which call Cairn's v3lock and v3election services.
 */
class JetcdLeaseTest extends AgainstCairn {
  static KV kv;
  static Lease lease;

  @BeforeAll
  static void clients() {
    kv = client.getKVClient();
    lease = client.getLeaseClient();
  }

  static boolean exists(String key) throws Exception {
    return kv.get(bs(key)).get(10, TimeUnit.SECONDS).getCount() == 1;
  }

  static void put(String key, long leaseId) throws Exception {
    kv.put(bs(key), bs("v"), PutOption.builder().withLeaseId(leaseId).build()).get(10, TimeUnit.SECONDS);
  }

  /** Keeps a lease alive through jetcd's keep-alive stream and counts the answers. */
  static final class KeepAlive implements AutoCloseable {
    final AtomicInteger answers = new AtomicInteger();
    final CloseableClient stream;

    KeepAlive(long id) {
      stream = lease.keepAlive(id, new StreamObserver<>() {
        @Override
        public void onNext(LeaseKeepAliveResponse r) {
          answers.incrementAndGet();
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      });
    }

    @Override
    public void close() {
      stream.close();
    }
  }

  @Test
  void grantKeepAliveTimeToLiveRevoke() throws Exception {
    long id = lease.grant(120).get(10, TimeUnit.SECONDS).getID();
    put("jl/a", id);
    put("jl/b", id);
    assertThat(lease.keepAliveOnce(id).get(10, TimeUnit.SECONDS).getTTL()).isEqualTo(120);
    LeaseTimeToLiveResponse t = lease.timeToLive(id, LeaseOption.builder().withAttachedKeys().build())
        .get(10, TimeUnit.SECONDS);
    assertThat(t.getGrantedTTL()).isEqualTo(120);
    assertThat(t.getTTL()).isBetween(115L, 120L);
    assertThat(t.getKeys()).containsExactly(bs("jl/a"), bs("jl/b"));
    lease.revoke(id).get(10, TimeUnit.SECONDS);
    assertThat(exists("jl/a")).isFalse();
    assertThat(lease.timeToLive(id, LeaseOption.DEFAULT).get(10, TimeUnit.SECONDS).getTTL()).isEqualTo(-1);
    // jetcd turns the TTL-0 answer for a gone lease into an error
    assertThatThrownBy(() -> lease.keepAliveOnce(id).get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class);
  }

  @Test
  void keysOfAnUnrenewedLeaseDisappearWithinTtlPlusABoundedMargin() throws Exception {
    long start = System.nanoTime();
    long id = lease.grant(2).get(10, TimeUnit.SECONDS).getID();
    put("eph/x", id);
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> !exists("eph/x"));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    // expiry is checked every 500 ms and a revocation takes one raft round: TTL + 2.5 s at most, on a busy machine
    assertThat(ms).isBetween(1900L, 4500L);
  }

  @Test
  void keptAliveKeysOutliveTheirTtlAndExpireOnceTheKeepAliveStops() throws Exception {
    long id = lease.grant(2).get(10, TimeUnit.SECONDS).getID();
    put("ka/x", id);
    long stopped;
    try (KeepAlive ka = new KeepAlive(id)) {
      // jetcd renews every TTL/3; six answers span well over the 2 s TTL
      await().atMost(Duration.ofSeconds(20)).until(() -> ka.answers.get() >= 6);
      assertThat(exists("ka/x")).isTrue();
      stopped = System.nanoTime();
    }
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> !exists("ka/x"));
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped)).isLessThan(4500L);
  }

  @Test
  void lockIsMutuallyExclusiveAcrossConcurrentLockers() throws Exception {
    Lock lock = client.getLockClient();
    int lockers = 4;
    int rounds = 5;
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger maxInside = new AtomicInteger();
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<Void>> done = new ArrayList<>();
    List<KeepAlive> keepAlives = new ArrayList<>();
    ExecutorService threads = Executors.newFixedThreadPool(lockers); // really concurrent lockers
    for (int i = 0; i < lockers; i++) {
      long id = lease.grant(10).get(10, TimeUnit.SECONDS).getID();
      keepAlives.add(new KeepAlive(id));
      int me = i;
      done.add(CompletableFuture.runAsync(() -> {
        try {
          for (int r = 0; r < rounds; r++) {
            ByteSequence key = lock.lock(bs("mutex"), id).get(30, TimeUnit.SECONDS).getKey();
            int now = inside.incrementAndGet();
            maxInside.accumulateAndGet(now, Math::max);
            order.add(me + ":" + r);
            // the critical section does real work through the server
            kv.put(bs("mutex-owner"), bs(String.valueOf(me))).get(10, TimeUnit.SECONDS);
            assertThat(new String(kv.get(bs("mutex-owner")).get(10, TimeUnit.SECONDS).getKvs().get(0)
                .getValue().getBytes(), StandardCharsets.UTF_8)).isEqualTo(String.valueOf(me));
            inside.decrementAndGet();
            lock.unlock(key).get(10, TimeUnit.SECONDS);
          }
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      }, threads));
    }
    try {
      CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    } finally {
      keepAlives.forEach(KeepAlive::close);
      threads.shutdownNow();
    }
    assertThat(maxInside.get()).isEqualTo(1);
    assertThat(order).hasSize(lockers * rounds);
  }

  @Test
  void leadershipPassesWhenTheLeadersLeaseExpires() throws Exception {
    Election election = client.getElectionClient();
    List<String> observed = Collections.synchronizedList(new ArrayList<>());
    election.observe(bs("svc"), new Election.Listener() {
      @Override
      public void onNext(LeaderResponse r) {
        observed.add(r.getKv().getValue().toString(StandardCharsets.UTF_8));
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    });
    long doomed = lease.grant(2).get(10, TimeUnit.SECONDS).getID(); // never kept alive
    long steady = lease.grant(10).get(10, TimeUnit.SECONDS).getID();
    try (KeepAlive ka = new KeepAlive(steady)) {
      LeaderKey first = election.campaign(bs("svc"), doomed, bs("first")).get(10, TimeUnit.SECONDS).getLeader();
      assertThat(first.getLease()).isEqualTo(doomed);
      CompletableFuture<CampaignResponse> second = election.campaign(bs("svc"), steady, bs("second"));
      assertThat(second.isDone()).isFalse();
      LeaderKey now = second.get(15, TimeUnit.SECONDS).getLeader();
      assertThat(now.getLease()).isEqualTo(steady);
      assertThat(election.leader(bs("svc")).get(10, TimeUnit.SECONDS).getKv().getValue()).isEqualTo(bs("second"));
      election.proclaim(now, bs("second-b")).get(10, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(10)).until(() -> observed.contains("second-b"));
      assertThat(observed).containsSubsequence("first", "second", "second-b");
      election.resign(now).get(10, TimeUnit.SECONDS);
      // jetcd recognises etcd's exact error strings
      assertThatThrownBy(() -> election.leader(bs("svc")).get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(NoLeaderException.class);
      assertThatThrownBy(() -> election.proclaim(now, bs("late")).get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(NotLeaderException.class);
    }
  }
}
