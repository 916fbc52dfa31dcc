package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A member bootstrapped with another --initial-cluster-token is refused by the cluster, loudly. */
class ClusterMismatchTest {
  @TempDir
  Path dir;

  @Test
  void peersOfAnotherClusterAreRefused() throws Exception {
    int c1 = Ports.free();
    int p1 = Ports.free();
    int c2 = Ports.free();
    int p2 = Ports.free();
    String initial = "m1=http://127.0.0.1:" + p1 + ",m2=http://127.0.0.1:" + p2;
    try (Member a = Member.cairnWithEnvOnly(dir, env("m1", c1, p1, initial, "token-a"), c1, p1);
        Member b = Member.cairnWithEnvOnly(dir, env("m2", c2, p2, initial, "token-b"), c2, p2)) {
      Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> a.logText().contains("rejected peer traffic from cluster")
              && b.logText().contains("belongs to another cluster"));
      // neither can form a quorum with the other: no leader, and clients are told so
      Etcdctl.Result r = new Etcdctl(a.endpoint()).run("endpoint", "status", "-w", "json");
      assertThat(r.out()).doesNotContain("\"leader\":").contains("etcdserver: no leader");
    }
  }

  private Map<String, String> env(String name, int client, int peer, String initial, String token) {
    Map<String, String> e = new HashMap<>();
    e.put("ETCD_NAME", name);
    e.put("ETCD_DATA_DIR", dir.resolve(name).toString());
    e.put("ETCD_LISTEN_CLIENT_URLS", "http://127.0.0.1:" + client);
    e.put("ETCD_ADVERTISE_CLIENT_URLS", "http://127.0.0.1:" + client);
    e.put("ETCD_LISTEN_PEER_URLS", "http://127.0.0.1:" + peer);
    e.put("ETCD_INITIAL_ADVERTISE_PEER_URLS", "http://127.0.0.1:" + peer);
    e.put("ETCD_INITIAL_CLUSTER", initial);
    e.put("ETCD_INITIAL_CLUSTER_TOKEN", token);
    return e;
  }
}
