package io.cairn.server.it;

import static io.cairn.server.it.AuthClients.b;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.authpb.Permission;
import io.cairn.proto.etcdserverpb.AuthGrpc;
import io.cairn.proto.etcdserverpb.AuthenticateRequest;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded password flood (bcrypt cost 10, the default) and a stream of malformed tokens: every attempt gets etcd's
 * answer or "too many requests", none gets in, the server stays up, and a legitimate client's reads stay fast.
 */
class AuthBruteForceTest {
  /** Attempts in all, and the time they may take: the test is bounded in both. */
  static final int ATTEMPTS = 200;
  static final long FLOOD_MILLIS = 10_000;
  /** A read during the flood must answer within this; measured values are printed. */
  static final long READ_BOUND_MILLIS = 1_000;

  @TempDir
  Path dir;

  @Test
  void floodIsAnsweredAndOtherClientsStayServed() throws Exception {
    try (Member m = Member.cairn(dir); AuthClients c = new AuthClients(m)) {
      String root = c.enableWithRoot("rootpw");
      c.user(root, "alice", "correct-horse", "ra", Permission.Type.READWRITE, "a/", "a0");
      String reader = c.login("alice", "correct-horse");
      KVGrpc.newBlockingStub(c.as(reader)).put(PutRequest.newBuilder().setKey(b("a/1")).setValue(b("v")).build());

      Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
      AtomicInteger sent = new AtomicInteger();
      long deadline = System.currentTimeMillis() + FLOOD_MILLIS;
      ExecutorService pool = Executors.newFixedThreadPool(9);
      List<Future<?>> attackers = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int seed = t;
        attackers.add(pool.submit(() -> {
          Random rnd = new Random(seed);
          AuthGrpc.AuthBlockingStub a = AuthGrpc.newBlockingStub(c.channel);
          while (sent.incrementAndGet() <= ATTEMPTS && System.currentTimeMillis() < deadline) {
            String user = rnd.nextBoolean() ? "alice" : "user" + rnd.nextInt(1000);
            try {
              String token = a.withDeadlineAfter(30, TimeUnit.SECONDS).authenticate(AuthenticateRequest.newBuilder()
                  .setName(user).setPassword("guess" + rnd.nextInt()).build()).getToken();
              answers.computeIfAbsent("GRANTED " + token, k -> new AtomicInteger()).incrementAndGet();
            } catch (StatusRuntimeException e) {
              answers.computeIfAbsent(e.getStatus().getCode() + " " + e.getStatus().getDescription(),
                  k -> new AtomicInteger()).incrementAndGet();
            }
          }
        }));
      }
      List<Long> readMillis = Collections.synchronizedList(new ArrayList<>());
      Future<?> reads = pool.submit(() -> {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(c.as(reader));
        while (attackers.stream().anyMatch(f -> !f.isDone())) {
          long t0 = System.nanoTime();
          assertThat(kv.withDeadlineAfter(10, TimeUnit.SECONDS).range(RangeRequest.newBuilder().setKey(b("a/1"))
              .build()).getCount()).isEqualTo(1);
          readMillis.add((System.nanoTime() - t0) / 1_000_000);
        }
      });
      for (Future<?> f : attackers) {
        f.get(FLOOD_MILLIS + 60_000, TimeUnit.MILLISECONDS);
      }
      reads.get(30, TimeUnit.SECONDS);

      // malformed tokens: garbage, huge, wrong shape, a simple-token index far ahead (waits briefly, then refused)
      Random rnd = new Random(42);
      List<String> bad = new ArrayList<>(List.of("", "x", ".", "a.b", "aaaaaaaaaaaaaaaa.", "aaaaaaaaaaaaaaaa.-1",
          "aaaaaaaaaaaaaaaa.99999999999999999999", "aaaaaaaaaaaaaaaa.123456789", "e30.e30.e30", "Bearer x",
          "x".repeat(4000)));
      for (int i = 0; i < 20; i++) {
        byte[] raw = new byte[1 + rnd.nextInt(200)];
        rnd.nextBytes(raw);
        bad.add(java.util.Base64.getUrlEncoder().encodeToString(raw));
      }
      for (String token : bad) {
        try {
          KVGrpc.newBlockingStub(c.as(token)).withDeadlineAfter(10, TimeUnit.SECONDS)
              .range(RangeRequest.newBuilder().setKey(b("a/1")).build());
          throw new AssertionError("token accepted: " + token.substring(0, Math.min(40, token.length())));
        } catch (StatusRuntimeException e) {
          assertThat(e.getStatus().getCode()).as(token.substring(0, Math.min(40, token.length())))
              .isEqualTo(Status.Code.UNAUTHENTICATED);
          assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: invalid auth token");
        }
      }
      pool.shutdownNow();

      List<Long> sorted = new ArrayList<>(readMillis);
      Collections.sort(sorted);
      long p50 = sorted.get(sorted.size() / 2);
      long p99 = sorted.get(Math.min(sorted.size() - 1, sorted.size() * 99 / 100));
      long max = sorted.get(sorted.size() - 1);
      System.out.printf("auth flood: %d attempts, answers %s; %d reads during it: p50 %d ms, p99 %d ms, max %d ms%n",
          answers.values().stream().mapToInt(AtomicInteger::get).sum(), answers, sorted.size(), p50, p99, max);

      assertThat(answers.keySet()).allMatch(k -> k.equals(
          "INVALID_ARGUMENT etcdserver: authentication failed, invalid user ID or password")
          || k.equals("RESOURCE_EXHAUSTED etcdserver: too many requests"));
      assertThat(sorted).isNotEmpty();
      assertThat(max).as("slowest read during the flood, ms").isLessThan(READ_BOUND_MILLIS);
      assertThat(m.isAlive()).isTrue();
      assertThat(c.login("alice", "correct-horse")).isNotEmpty();
    }
  }
}
