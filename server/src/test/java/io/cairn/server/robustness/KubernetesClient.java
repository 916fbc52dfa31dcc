package io.cairn.server.robustness;

import io.cairn.server.robustness.History.Response;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * One client of {@link TrafficRun.Profile#KUBERNETES}: the apiserver's calls on pod objects. Keys stay under the
 * traffic's prefix so that the checks and watches cover them.
 */
final class KubernetesClient {
  private static final int NAMESPACES = 3;
  private static final int PODS = 8;

  private KubernetesClient() {}

  static String namespace(int ns) {
    return TrafficRun.PREFIX + "/registry/pods/ns" + ns + "/";
  }

  static void drive(int id, Recorder rec, Random rnd, int maxOps, AtomicBoolean stop) {
    long[] modRev = new long[NAMESPACES * PODS]; // what this client last saw of each pod, as an informer cache
    for (int n = 0; n < maxOps && !stop.get(); n++) {
      int pod = rnd.nextInt(modRev.length);
      String key = namespace(pod / PODS) + "pod-" + pod % PODS;
      String value = "c" + id + "-" + n;
      int pick = rnd.nextInt(100);
      boolean failed;
      if (pick < 60) {
        Response r = rec.get(id, key, false, false);
        if (r != null) modRev[pod] = r.kvs().isEmpty() ? 0 : r.kvs().get(0).modRevision();
        failed = r == null;
      } else if (pick < 70) {
        failed = rec.get(id, namespace(rnd.nextInt(NAMESPACES)), true, false) == null;
      } else if (pick < 95) {
        failed = !update(id, rec, key, value, modRev, pod);
      } else if (modRev[pod] == 0) {
        Response r = rec.cas(id, key, 0, value); // create: only if absent
        if (r != null) modRev[pod] = r.succeeded() ? r.revision() : r.kvs().isEmpty() ? 0 : r.kvs().get(0).modRevision();
        failed = r == null;
      } else {
        Response r = rec.delete(id, key);
        if (r != null) modRev[pod] = 0;
        failed = r == null;
      }
      if (failed) {
        LockSupport.parkNanos(50_000_000L); // no leader or no member: back off rather than spin
      }
    }
  }

  /** GuaranteedUpdate: CAS on the cached mod_revision; on conflict retry with what the failed txn read. */
  private static boolean update(int id, Recorder rec, String key, String value, long[] modRev, int pod) {
    for (int attempt = 0; attempt < 3; attempt++) {
      Response r = rec.cas(id, key, modRev[pod], attempt == 0 ? value : value + "-r" + attempt);
      if (r == null) {
        return false;
      }
      if (r.succeeded()) {
        modRev[pod] = r.revision();
        return true;
      }
      modRev[pod] = r.kvs().isEmpty() ? 0 : r.kvs().get(0).modRevision();
    }
    return true;
  }
}
