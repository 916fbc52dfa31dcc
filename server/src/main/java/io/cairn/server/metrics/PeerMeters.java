package io.cairn.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * etcd's per-peer network metrics, labelled with the peer's id in hex as etcd labels them ({@code To} for what goes
 * to a peer, {@code From} for what comes from one). Each peer's meters are looked up once and kept.
 */
final class PeerMeters {
  private final MeterRegistry registry;
  private final Map<Long, Counter> sent = new ConcurrentHashMap<>();
  private final Map<Long, Counter> received = new ConcurrentHashMap<>();
  private final Map<Long, Counter> failures = new ConcurrentHashMap<>();
  private final Map<Long, Timer> roundTrips = new ConcurrentHashMap<>();

  PeerMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  void sent(long to, long bytes) {
    sent.computeIfAbsent(to, id -> {
      failures(id); // a peer's failure series exists from its first traffic: alerts read it as a rate
      return Counter.builder("etcd_network_peer_sent_bytes").tag("To", hex(id))
        .description("The total number of bytes sent to peers.").register(registry);
    }).increment(bytes);
  }

  void received(long from, long bytes) {
    received.computeIfAbsent(from, id -> Counter.builder("etcd_network_peer_received_bytes").tag("From", hex(id))
        .description("The total number of bytes received from peers.").register(registry)).increment(bytes);
  }

  void sendFailed(long to) {
    failures(to).increment();
  }

  private Counter failures(long to) {
    return failures.computeIfAbsent(to, id -> Counter.builder("etcd_network_peer_sent_failures").tag("To", hex(id))
        .description("The total number of send failures from peers.").register(registry));
  }

  void roundTrip(long to, long nanos) {
    roundTrips.computeIfAbsent(to, id -> Timer.builder("etcd_network_peer_round_trip_time").tag("To", hex(id))
        .description("Round-Trip-Time histogram between peers").serviceLevelObjectives(rttBuckets())
        .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
  }

  /** etcd's: 0.1 ms doubling, 16 buckets (to about 3.3 s). */
  private static Duration[] rttBuckets() {
    Duration[] d = new Duration[16];
    for (int i = 0; i < d.length; i++) {
      d[i] = Duration.ofNanos(100_000L << i);
    }
    return d;
  }

  private static String hex(long id) {
    return Long.toHexString(id);
  }
}
