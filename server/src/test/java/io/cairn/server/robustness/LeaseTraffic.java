package io.cairn.server.robustness;

import io.cairn.server.robustness.History.KV;
import io.etcd.jetcd.Client;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Lease traffic beside the key-value traffic: grant a lease, put one key under it (recorded: it is a write like any
 * other), and revoke half of them. TTLs outlast the run, so only revocations end leases. Checks: an acknowledged
 * revoke took its key and its lease on every member; a lease never revoked kept its key; every member lists the
 * same leases.
 */
final class LeaseTraffic {
  /** Longer than any run with its checks: no lease may expire, so every missing key is a revoke's doing. */
  private static final long TTL_SECONDS = 300;

  private record Granted(long id, String key, boolean putAcked, Boolean revokeAcked) {}

  private final int clientId;
  private final Client client;
  private final Recorder rec;
  private final Random rnd;
  private final List<Granted> granted = new CopyOnWriteArrayList<>();

  LeaseTraffic(int clientId, Client client, Recorder rec, Random rnd) {
    this.clientId = clientId;
    this.client = client;
    this.rec = rec;
    this.rnd = rnd;
  }

  /** The key a lease's one put writes; under the traffic's prefix, so reads and watches see it. */
  static String keyOf(long lease) {
    return TrafficRun.PREFIX + "l" + Long.toHexString(lease);
  }

  void drive(int maxOps, AtomicBoolean stop) {
    for (int n = 0; n < maxOps && !stop.get(); n++) {
      long id;
      try {
        id = client.getLeaseClient().grant(TTL_SECONDS).get(3, TimeUnit.SECONDS).getID();
      } catch (Exception duringFaults) {
        LockSupport.parkNanos(50_000_000L);
        continue;
      }
      String key = keyOf(id);
      boolean put = rec.put(clientId, key, "lease-" + clientId + "-" + n, id) >= 0;
      Boolean revoked = rnd.nextBoolean() ? rec.revoke(clientId, client.getLeaseClient(), id, key, put) : null;
      granted.add(new Granted(id, key, put, revoked));
      LockSupport.parkNanos(20_000_000L); // a lease client, not a flood: about 30 leases a second at most
    }
  }

  /** Records a lease as {@link #drive} does; for the checker's own tests. */
  void granted(long id, boolean putAcked, Boolean revokeAcked) {
    granted.add(new Granted(id, keyOf(id), putAcked, revokeAcked));
  }

  /**
   * @param finalKeys every key under the prefix, read linearizably once the cluster was healthy again
   * @param perMember each member's own lease list (null where a member did not answer)
   * @return the first problem, or null
   */
  String check(Map<String, KV> finalKeys, List<Set<Long>> perMember) {
    for (Granted g : granted) {
      KV kv = finalKeys.get(g.key());
      if (Boolean.TRUE.equals(g.revokeAcked()) && kv != null) {
        return "an acknowledged revoke of lease " + Long.toHexString(g.id()) + " left its key " + kv;
      }
      if (g.revokeAcked() == null && g.putAcked() && (kv == null || kv.lease() != g.id())) {
        return "the key of lease " + Long.toHexString(g.id()) + ", never revoked, is " + kv;
      }
    }
    Set<Long> first = null;
    for (Set<Long> leases : perMember) {
      if (leases == null) {
        continue;
      }
      if (first == null) {
        first = leases;
      } else if (!first.equals(leases)) {
        return "members list different leases: " + perMember;
      }
      for (Granted g : granted) {
        if (Boolean.TRUE.equals(g.revokeAcked()) && leases.contains(g.id())) {
          return "lease " + Long.toHexString(g.id()) + " is listed after an acknowledged revoke";
        }
        if (g.revokeAcked() == null && !leases.contains(g.id())) {
          return "lease " + Long.toHexString(g.id()) + ", never revoked, is not listed";
        }
      }
    }
    return first == null ? "no member listed its leases" : null;
  }

  int leasesGranted() {
    return granted.size();
  }

  /** One member's lease ids, read from that member alone (jetcd has no LeaseLeases); null if it does not answer. */
  static Set<Long> leasesOf(String endpointUrl) {
    java.net.URI u = java.net.URI.create(endpointUrl);
    io.grpc.ManagedChannel ch = io.grpc.ManagedChannelBuilder.forAddress(u.getHost(), u.getPort()).usePlaintext()
        .build();
    try {
      Set<Long> ids = new HashSet<>();
      for (io.cairn.proto.etcdserverpb.LeaseStatus s : io.cairn.proto.etcdserverpb.LeaseGrpc.newBlockingStub(ch)
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .leaseLeases(io.cairn.proto.etcdserverpb.LeaseLeasesRequest.getDefaultInstance()).getLeasesList()) {
        ids.add(s.getID());
      }
      return ids;
    } catch (io.grpc.StatusRuntimeException e) {
      return null;
    } finally {
      ch.shutdownNow();
    }
  }

  static List<Set<Long>> leasesOfEach(List<String> endpoints) {
    List<Set<Long>> out = new ArrayList<>();
    for (String e : endpoints) {
      out.add(leasesOf(e));
    }
    return out;
  }
}
