package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcdctl watch (key, prefix, range, --rev replay, --prev-kv, JSON, interactive progress, compacted
 * start) against real etcd 3.4 and Cairn after the same writes; outputs must be identical once ids
 * are masked. Every watch replays from a fixed revision, so what it prints does not depend on timing;
 * each waits for the final marker write instead of sleeping.
 */
class WatchDifferentialTest extends SideBySide {

  static final String MARK = "final";
  /** The marker as JSON output shows it (base64). */
  static final String MARK_B64 = java.util.Base64.getEncoder().encodeToString(MARK.getBytes());

  static boolean marked(String out) {
    return out.contains(MARK) || out.contains(MARK_B64);
  }

  static void writes(Etcdctl c) {
    c.run("put", "a", "1").ok();
    c.run("put", "b", "2").ok();
    c.run("put", "a", "3").ok();
    c.run("del", "a").ok();
    c.run("put", "ab", "x").ok();
    c.runWithInput("\nput a 4\nput b 5\nput c 6\n\n\n", "txn").ok();
    c.run("del", "a", "--prefix").ok();
    c.run("put", "b", "6").ok();
    c.runWithInput("\nput a " + MARK + "\nput b " + MARK + "\nput ab " + MARK + "\n\n\n", "txn").ok();
  }

  static Map<String, String[]> watches() {
    Map<String, String[]> w = new LinkedHashMap<>();
    w.put("single key", new String[] {"watch", "a", "--rev", "1"});
    w.put("prefix with prev kv", new String[] {"watch", "a", "--prefix", "--rev", "1", "--prev-kv"});
    w.put("range from rev 3", new String[] {"watch", "a", "c", "--rev", "3"});
    w.put("all keys json", new String[] {"watch", "", "--prefix", "--rev", "1", "-w", "json"});
    w.put("key json prev kv", new String[] {"watch", "b", "--rev", "2", "--prev-kv", "-w", "json"});
    return w;
  }

  @Test
  void watchOutputMatchesEtcd() throws Exception {
    Map<String, String> fromEtcd = run(etcd);
    Map<String, String> fromCairn = run(cairn);
    List<String> diffs = new ArrayList<>();
    for (String name : fromEtcd.keySet()) {
      if (!fromEtcd.get(name).equals(fromCairn.get(name))) {
        diffs.add(name + "\n--- etcd:\n" + fromEtcd.get(name) + "\n--- cairn:\n" + fromCairn.get(name));
      }
    }
    assertThat(diffs).as("watch outputs that differ from etcd's").isEmpty();
    assertThat(fromCairn.get("single key")).contains(MARK);
  }

  private Map<String, String> run(Member m) throws Exception {
    Etcdctl c = new Etcdctl(m.endpoint());
    long[] ids = EtcdctlDifferentialTest.ids(c);
    writes(c);
    Map<String, String> out = new LinkedHashMap<>();
    for (var e : watches().entrySet()) {
      try (Etcdctl.Background w = c.start(e.getValue())) {
        out.put(e.getKey(), Normalize.ids(w.awaitOutput(WatchDifferentialTest::marked), ids[0], ids[1]));
      }
    }
    // interactive: replay, then a progress request answered with the current revision
    try (Etcdctl.Background w = c.start("watch", "-i")) {
      w.writeLine("watch b --rev 1");
      w.awaitOutput(WatchDifferentialTest::marked);
      w.writeLine("progress");
      out.put("interactive progress", Normalize.ids(w.awaitOutput(o -> o.contains("progress notify")), ids[0], ids[1]));
    }
    // a start revision below the compaction point cancels the watch
    c.run("compaction", "5").ok();
    try (Etcdctl.Background w = c.start("watch", "a", "--rev", "2")) {
      out.put("compacted start", w.awaitOutput(o -> o.contains("compacted")));
    }
    try (Etcdctl.Background w = c.start("watch", "b", "--rev", "5")) {
      out.put("start at compaction point", w.awaitOutput(WatchDifferentialTest::marked));
    }
    return out;
  }
}
