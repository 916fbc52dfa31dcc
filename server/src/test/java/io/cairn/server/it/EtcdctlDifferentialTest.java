package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One etcdctl command sequence against real etcd 3.4 and against Cairn; every command's exit code,
 * stdout and stderr must be identical once cluster and member ids are masked.
 */
class EtcdctlDifferentialTest extends SideBySide {

  /** A command: etcdctl args, optional stdin. */
  record Step(String stdin, String... args) {
    static Step of(String... args) {
      return new Step(null, args);
    }
  }

  static final String TXN_OK = """
      value("k1") = "v1"
      version("k1") = "1"
      create("k1") > "0"
      mod("k1") < "1000"

      put k1 v1b
      get k1
      del k9

      put k1 never

      """;

  static final String TXN_FAIL = """
      value("k1") = "nope"

      put k1 never

      put k2 fromfailure
      get k2 --prefix

      """;

  static final String TXN_MISSING_KEY = """
      version("missing") = "0"
      create("missing") = "0"

      put created yes

      """;

  static final String TXN_VALUE_ON_MISSING = """
      value("missing") != "x"

      put ne yes

      put ne no

      """;

  List<Step> sequence() {
    List<Step> s = new ArrayList<>();
    s.add(Step.of("get", "nothing"));
    s.add(Step.of("get", "nothing", "-w", "json"));
    s.add(Step.of("put", "k1", "v1"));
    s.add(Step.of("put", "k2", "v2"));
    s.add(Step.of("put", "k3", "v3"));
    s.add(Step.of("put", "k2", "v2b", "--prev-kv"));
    s.add(Step.of("put", "a", "first"));
    s.add(Step.of("put", "z", "last", "-w", "json"));
    s.add(Step.of("get", "k1"));
    s.add(Step.of("get", "k", "--prefix"));
    s.add(Step.of("get", "k2", "--from-key"));
    s.add(Step.of("get", "k", "--prefix", "--limit", "2"));
    s.add(Step.of("get", "k", "--prefix", "--limit", "2", "-w", "json"));
    s.add(Step.of("get", "k2", "--rev", "3"));
    s.add(Step.of("get", "k2", "--rev", "3", "-w", "json"));
    s.add(Step.of("get", "k", "--prefix", "--sort-by", "MODIFY", "--order", "DESCEND"));
    s.add(Step.of("get", "k", "--prefix", "--sort-by", "VALUE", "--order", "ASCEND"));
    s.add(Step.of("get", "k", "--prefix", "--sort-by", "CREATE"));
    s.add(Step.of("get", "k", "--prefix", "--sort-by", "VERSION", "--order", "DESCEND", "--limit", "1"));
    s.add(Step.of("get", "k", "--prefix", "--order", "DESCEND"));
    s.add(Step.of("get", "k", "--prefix", "--keys-only"));
    s.add(Step.of("get", "k", "--prefix", "--print-value-only"));
    s.add(Step.of("get", "", "--prefix", "-w", "json"));
    s.add(Step.of("get", "k1", "k3"));
    s.add(Step.of("get", "k3", "k1"));
    s.add(Step.of("get", "--from-key", ""));
    s.add(new Step(TXN_OK, "txn"));
    s.add(new Step(TXN_FAIL, "txn", "-w", "json"));
    s.add(new Step(TXN_MISSING_KEY, "txn"));
    s.add(new Step(TXN_VALUE_ON_MISSING, "txn"));
    s.add(Step.of("get", "", "--prefix", "-w", "json"));
    s.add(Step.of("del", "nothing"));
    s.add(Step.of("del", "k3", "--prev-kv"));
    s.add(Step.of("del", "k", "--prefix", "--prev-kv", "-w", "json"));
    s.add(Step.of("get", "k", "--prefix", "--rev", "5"));
    s.add(Step.of("put", "k1", "again"));
    s.add(Step.of("get", "k1", "-w", "json"));
    s.add(Step.of("compaction", "4"));
    s.add(Step.of("get", "k1", "--rev", "3"));
    s.add(Step.of("get", "k1", "--rev", "4"));
    s.add(Step.of("get", "k1", "--rev", "1000"));
    s.add(Step.of("compaction", "3"));
    s.add(Step.of("compaction", "1000"));
    s.add(Step.of("compaction", "6", "--physical"));
    s.add(Step.of("get", "", "--prefix", "-w", "json"));
    s.add(Step.of("put", "", "empty-key"));
    s.add(Step.of("get", ""));
    s.add(Step.of("del", ""));
    return s;
  }

  @Test
  void sameOutputAsEtcd() throws Exception {
    Etcdctl onEtcd = new Etcdctl(etcd.endpoint());
    Etcdctl onCairn = new Etcdctl(cairn.endpoint());
    long[] etcdIds = ids(onEtcd);
    long[] cairnIds = ids(onCairn);
    List<String> mismatches = new ArrayList<>();
    for (Step step : sequence()) {
      Etcdctl.Result e = onEtcd.runWithInput(step.stdin(), step.args());
      Etcdctl.Result c = onCairn.runWithInput(step.stdin(), step.args());
      String want = e.exit() + "\n" + Normalize.ids(e.out(), etcdIds[0], etcdIds[1]) + "\n" + Normalize.clientLog(e.err());
      String got = c.exit() + "\n" + Normalize.ids(c.out(), cairnIds[0], cairnIds[1]) + "\n" + Normalize.clientLog(c.err());
      if (!want.equals(got)) {
        mismatches.add("etcdctl " + String.join(" ", step.args()) + "\n--- etcd:\n" + want + "\n--- cairn:\n" + got);
      }
    }
    assertThat(mismatches).as("commands whose output differs from etcd's").isEmpty();
  }

  /** Member and cluster id of a server, read through etcdctl's JSON status. */
  static long[] ids(Etcdctl ctl) {
    String json = ctl.run("endpoint", "status", "-w", "json").ok().out();
    return new long[] {num(json, "member_id"), num(json, "cluster_id")};
  }

  static long num(String json, String field) {
    Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(json);
    assertThat(m.find()).as(field + " in " + json).isTrue();
    return Long.parseUnsignedLong(m.group(1));
  }
}
