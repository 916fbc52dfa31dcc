package io.cairn.server.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.server.InProcessServer;
import io.cairn.server.robustness.History.KV;
import io.cairn.server.robustness.History.Response;
import io.etcd.jetcd.Client;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A few concurrent jetcd clients against one in-process Cairn: the recorded history must check. */
class RecorderTest {
  static final String[] KEYS = {"r/a", "r/b", "r/c"};

  @TempDir
  Path dir;

  @Test
  void recordsAHistoryTheCheckerAccepts() throws Exception {
    History.Log log = new History.Log(1);
    try (InProcessServer srv = new InProcessServer(dir);
         Client client = Client.builder().endpoints("http://" + srv.channel.authority()).build()) {
      Recorder rec = new Recorder(client, log, Duration.ofSeconds(10));
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
          int id = c;
          done.add(pool.submit(() -> work(rec, id, new Random(id), 60)));
        }
        for (Future<?> f : done) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
    }
    History h = log.history();
    assertThat(h.ops()).hasSize(240);
    Verdict v = new LinearizabilityChecker().check(h);
    assertThat(v.isOk()).as("%s", v).isTrue();
    // and the recorded responses are tight enough that one altered response is caught
    RandomHistoryTest.Mutant m = RandomHistoryTest.mutate(h, new Random(1));
    Verdict bad = new LinearizabilityChecker().check(m.history());
    assertThat(bad.isViolation()).as("%s: %s", m.what(), bad).isTrue();
  }

  /** Mixed ops on a few keys; a CAS expects the mod_revision this client last read. */
  private static void work(Recorder rec, int client, Random rnd, int n) {
    Map<String, Long> lastMod = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String key = KEYS[rnd.nextInt(KEYS.length)];
      String value = "c" + client + "-" + i;
      switch (rnd.nextInt(6)) {
        case 0 -> rec.put(client, key, value);
        case 1 -> rec.delete(client, key);
        case 2 -> rec.cas(client, key, lastMod.getOrDefault(key, 0L), value);
        case 3 -> rec.get(client, "r/", true, rnd.nextBoolean());
        default -> {
          Response r = rec.get(client, key, false, false);
          if (r != null) {
            lastMod.put(key, r.kvs().stream().mapToLong(KV::modRevision).findFirst().orElse(0));
          }
        }
      }
    }
  }
}
