package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same NOSPACE story told by real etcd 3.4 and by Cairn, through etcdctl and the JSON gateway: the refused put,
 * `alarm list` (simple, json), Status errors, /health, `alarm disarm` while still full (the next write raises the
 * alarm again), then compact, defrag, disarm and writes resume. Outputs must be equal once member and cluster ids
 * are normalized, and the header etcd 3.5+ adds to AlarmResponse (3.4 sent none) is left out.
 */
class AlarmDifferentialTest {
  static final String QUOTA = Long.toString(8L << 20);

  @TempDir
  Path dir;
  final List<Member> members = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Member m : members) {
      m.close();
    }
  }

  /** The transcript of one server; ids normalized. */
  private String story(Member m, Path value) throws Exception {
    Etcdctl ctl = new Etcdctl(m.endpoint());
    StringBuilder t = new StringBuilder();
    String status = ctl.run("endpoint", "status", "-w", "json").ok().out();
    long member = Long.parseUnsignedLong(field(status, "member_id"));
    long cluster = Long.parseUnsignedLong(field(status, "cluster_id"));
    // four keys overwritten in turn: history fills the quota, the live data stays small
    Etcdctl.Result refused = null;
    for (int i = 0; i < 200 && refused == null; i++) {
      Etcdctl.Result r = ctl.runWithInput(Files.readString(value), "put", "k" + (i % 4));
      if (r.exit() != 0) {
        refused = r;
      }
    }
    assertThat(refused).as(m.kind + " never refused a put").isNotNull();
    t.append("put: ").append(lastLine(refused.err())).append('\n');
    t.append("again: ").append(lastLine(ctl.run("put", "small", "v").err())).append('\n');
    t.append("lease: ").append(lastLine(ctl.run("lease", "grant", "30").err())).append('\n');
    t.append("list: ").append(ctl.run("alarm", "list").ok().out());
    t.append("list json: ").append(ctl.run("alarm", "list", "-w", "json").ok().out()).append('\n');
    t.append("errors: ").append(errors(ctl.run("endpoint", "status", "-w", "json").ok().out())).append('\n');
    t.append("gateway: ").append(Http1.post(m.clientPort, "/v3/maintenance/alarm", "{\"action\":\"GET\"}").text())
        .append('\n');
    t.append("health: ").append(Http1.get(m.clientPort, "/health").text().contains("\"health\":\"false\""))
        .append('\n');
    t.append("get: ").append(ctl.run("get", "k1", "--keys-only").ok().out());
    t.append("del: ").append(ctl.run("del", "k3").ok().out());
    t.append("disarm while full: ").append(ctl.run("alarm", "disarm").ok().out());
    // the big value: how close below the quota each store sits after a refusal differs (bbolt grows in steps)
    t.append("put while full: ").append(lastLine(ctl.runWithInput(Files.readString(value), "put", "k0").err()))
        .append('\n');
    t.append("raised again: ").append(ctl.run("alarm", "list").ok().out());
    String rev = field(ctl.run("endpoint", "status", "-w", "json").ok().out(), "revision");
    t.append("compact: ").append(ctl.run("compact", rev).ok().out());
    t.append("defrag: ").append(ctl.run("defrag").ok().out());
    t.append("disarm: ").append(ctl.run("alarm", "disarm").ok().out());
    t.append("disarm json: ").append(ctl.run("alarm", "disarm", "-w", "json").ok().out()).append('\n');
    t.append("list after: [").append(ctl.run("alarm", "list").ok().out()).append("]\n");
    t.append("put after: ").append(ctl.run("put", "small", "v").ok().out());
    t.append("errors after: ").append(errors(ctl.run("endpoint", "status", "-w", "json").ok().out())).append('\n');
    // how many 400 KB puts fill the quota differs a little between bbolt and RocksDB: so does the revision compacted
    // etcd 3.5+ (and Cairn, which answers as 3.6) put a header on AlarmResponse; etcd 3.4 sent none
    String text = t.toString().replace(m.endpoint(), "ENDPOINT")
        .replaceAll("compacted revision \\d+", "compacted revision R")
        .replaceAll("\"header\":\\{[^}]*\\},", "");
    return Normalize.ids(text, member, cluster);
  }

  @Test
  void noSpaceAlarmListAndDisarmAsEtcd() throws Exception {
    Path value = dir.resolve("value");
    byte[] random = new byte[300 << 10];
    new java.util.Random(14).nextBytes(random);
    // incompressible, so RocksDB's compression cannot keep Cairn under the quota longer than bbolt keeps etcd
    Files.writeString(value, java.util.Base64.getEncoder().encodeToString(random));
    Member etcd = Member.etcd(dir, "--quota-backend-bytes=" + QUOTA);
    members.add(etcd);
    Member cairn = Member.cairn(dir, "--quota-backend-bytes=" + QUOTA);
    members.add(cairn);
    String expected = story(etcd, value);
    String actual = story(cairn, value);
    assertThat(actual).isEqualTo(expected);
    assertThat(expected).contains("put: Error: etcdserver: mvcc: database space exceeded")
        .contains("list: memberID:MEMBER alarm:NOSPACE \n");
  }

  private static String field(String json, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\"?(\\d+)").matcher(json);
    assertThat(m.find()).as(json).isTrue();
    return m.group(1);
  }

  private static String errors(String json) {
    Matcher m = Pattern.compile("\"errors\":\\[[^\\]]*\\]").matcher(json);
    return m.find() ? m.group() : "none";
  }

  private static String lastLine(String s) {
    String[] lines = s.strip().split("\n");
    return lines[lines.length - 1];
  }
}
