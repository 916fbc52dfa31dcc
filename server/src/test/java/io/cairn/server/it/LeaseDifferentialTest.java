package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcdctl's lease, lock and elect commands against real etcd 3.4 and against Cairn: every command's exit code and
 * output must be the same once ids are masked. Lease ids are random on both sides, so each is replaced by a label
 * in order of first appearance (L1, L2, ...), in hex (padded in text output, unpadded in lock and election keys) and
 * decimal (JSON) form alike; a
 * remaining TTL within 5 s of the granted one reads "OK". Long-running commands (lock, elect, keep-alive, watch)
 * run in the background and are awaited on their output, never slept on.
 */
class LeaseDifferentialTest extends SideBySide {

  /** One server's transcript, with lease ids captured as variables and masked as labels. */
  static final class Session {
    final Etcdctl ctl;
    final long[] ids;
    final Map<String, String> vars = new HashMap<>();
    final Map<String, String> labels = new HashMap<>();
    final List<String> transcript = new ArrayList<>();

    Session(Member m) {
      ctl = new Etcdctl(m.endpoint());
      ids = EtcdctlDifferentialTest.ids(ctl);
    }

    String[] expand(String... args) {
      String[] out = new String[args.length];
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        for (Map.Entry<String, String> v : vars.entrySet()) {
          a = a.replace("$" + v.getKey(), v.getValue());
        }
        out[i] = a;
      }
      return out;
    }

    /** Runs a command; if {@code captureAs} is set, the first lease id in the output is remembered under it. */
    Etcdctl.Result run(String captureAs, String... args) {
      Etcdctl.Result r = ctl.run(expand(args));
      if (captureAs != null) {
        vars.put(captureAs, firstLeaseHex(r.out()));
      }
      record("etcdctl " + String.join(" ", args), r.exit() + "\n" + r.out() + Normalize.clientLog(r.err()));
      return r;
    }

    void record(String what, String output) {
      transcript.add(what + "\n" + mask(output));
    }

    String mask(String text) {
      String s = Normalize.ids(text, ids[0], ids[1]);
      Matcher dec = Pattern.compile("\"(id|ID|lease)\":(\\d+)").matcher(s);
      StringBuilder b = new StringBuilder();
      while (dec.find()) {
        dec.appendReplacement(b, "\"" + dec.group(1) + "\":" + label(String.format("%016x", Long.parseLong(dec.group(2)))));
      }
      dec.appendTail(b);
      // "lease %016x" in etcdctl's text, but "%x" (no padding) in lock and election keys
      Matcher hex = Pattern.compile("(?<![0-9A-Za-z])[0-9a-f]{12,16}(?![0-9A-Za-z])").matcher(b.toString());
      b = new StringBuilder();
      while (hex.find()) {
        hex.appendReplacement(b, label(String.format("%016x", Long.parseUnsignedLong(hex.group(), 16))));
      }
      hex.appendTail(b);
      s = b.toString();
      s = sortList(s, Pattern.compile("attached keys\\(\\[([^\\]]*)\\]\\)"), " ");
      s = sortList(s, Pattern.compile("\"keys\":\\[([^\\]]*)\\]"), ",");
      s = replaceRemaining(s, Pattern.compile("TTL\\((\\d+)s\\), remaining\\((-?\\d+)s\\)"), "TTL(%ss), remaining(%s)");
      s = replaceRemaining(s, Pattern.compile("\"ttl\":(-?\\d+),\"granted-ttl\":(\\d+)"), null);
      return s;
    }

    /** etcd lists a lease's keys in Go map order (random); Cairn sorts them. Compare them as sets. */
    private static String sortList(String s, Pattern p, String sep) {
      Matcher m = p.matcher(s);
      StringBuilder b = new StringBuilder();
      while (m.find()) {
        List<String> items = new ArrayList<>(List.of(m.group(1).split(Pattern.quote(sep))));
        items.sort(null);
        String whole = m.group();
        int at = m.start(1) - m.start();
        String sorted = whole.substring(0, at) + String.join(sep, items) + whole.substring(at + m.group(1).length());
        m.appendReplacement(b, Matcher.quoteReplacement(sorted));
      }
      m.appendTail(b);
      return b.toString();
    }

    private String label(String hex) {
      return labels.computeIfAbsent(hex, h -> "L" + (labels.size() + 1));
    }

    private static String replaceRemaining(String s, Pattern p, String textFormat) {
      Matcher m = p.matcher(s);
      StringBuilder b = new StringBuilder();
      while (m.find()) {
        long granted = Long.parseLong(textFormat != null ? m.group(1) : m.group(2));
        long remaining = Long.parseLong(textFormat != null ? m.group(2) : m.group(1));
        String r = granted > 0 && remaining <= granted && remaining >= granted - 5 ? "OK" : String.valueOf(remaining);
        m.appendReplacement(b, textFormat != null ? String.format(textFormat, granted, r)
            : "\"ttl\":" + r + ",\"granted-ttl\":" + granted);
      }
      m.appendTail(b);
      return b.toString();
    }

    static String firstLeaseHex(String out) {
      Matcher hex = Pattern.compile("lease ([0-9a-f]{16})").matcher(out);
      if (hex.find()) {
        return hex.group(1);
      }
      Matcher dec = Pattern.compile("\"ID\":(\\d+)").matcher(out);
      assertThat(dec.find()).as("a lease id in: " + out).isTrue();
      return Long.toHexString(Long.parseLong(dec.group(1)));
    }

    boolean exists(String key) {
      return !ctl.run("get", key, "--keys-only").ok().out().isBlank();
    }

    int count(String prefix) {
      return (int) ctl.run("get", prefix, "--prefix", "--keys-only").ok().out().lines()
          .filter(l -> !l.isBlank()).count();
    }
  }

  static void assertSameTranscripts(Session e, Session c) {
    System.out.println("cairn transcript (masked):\n" + String.join("\n", c.transcript));
    List<String> mismatches = new ArrayList<>();
    for (int i = 0; i < Math.max(e.transcript.size(), c.transcript.size()); i++) {
      String want = i < e.transcript.size() ? e.transcript.get(i) : "<missing>";
      String got = i < c.transcript.size() ? c.transcript.get(i) : "<missing>";
      if (!want.equals(got)) {
        mismatches.add("--- etcd:\n" + want + "\n--- cairn:\n" + got);
      }
    }
    assertThat(mismatches).as("steps whose output differs from etcd's").isEmpty();
  }

  // ------------------------------------------------------------------------------------------ lease commands

  static void leaseCommands(Session s) throws Exception {
    s.run("L600", "lease", "grant", "600");
    s.run("L300", "lease", "grant", "300", "-w", "json");
    s.run("LMIN", "lease", "grant", "1"); // raised to the 2 s minimum
    s.run(null, "lease", "revoke", "$LMIN");
    s.run(null, "put", "--lease=$L300", "k1", "v1");
    s.run(null, "put", "--lease=$L300", "k2", "v2");
    s.run(null, "put", "--lease=$L600", "k3", "v3");
    s.run(null, "lease", "timetolive", "$L300");
    s.run(null, "lease", "timetolive", "$L300", "--keys");
    s.run(null, "lease", "timetolive", "$L600", "--keys", "-w", "json");
    s.run(null, "lease", "list");
    s.run(null, "lease", "list", "-w", "json");
    s.run(null, "lease", "keep-alive", "--once", "$L300");
    s.run(null, "lease", "keep-alive", "--once", "$L300", "-w", "json");
    s.run(null, "lease", "keep-alive", "--once", "1234");
    s.run(null, "lease", "timetolive", "1234");
    s.run(null, "lease", "timetolive", "1234", "-w", "json");
    s.run(null, "lease", "revoke", "1234");
    s.run(null, "lease", "grant", "9000000001");
    s.run(null, "put", "--lease=abc", "k", "v");
    s.run(null, "put", "k2", "detached"); // lease 0 detaches
    s.run(null, "put", "k1", "v1b", "--ignore-lease"); // keeps the lease
    s.run(null, "lease", "timetolive", "$L300", "--keys");
    s.run(null, "get", "k", "--prefix", "-w", "json");
    String marker = s.run(null, "put", "k0", "marker", "-w", "json").out();
    Matcher rev = Pattern.compile("\"revision\":(\\d+)").matcher(marker);
    assertThat(rev.find()).isTrue();
    // replays from the marker, so it is surely established before the revoke, whose DELETE events it must see
    try (Etcdctl.Background watch = s.ctl.start("watch", "k", "--prefix", "--rev", rev.group(1))) {
      watch.awaitOutput(o -> o.contains("marker"));
      s.run(null, "lease", "revoke", "$L300", "-w", "json");
      s.record("watch k --prefix", watch.awaitOutput(o -> o.contains("DELETE\nk1")));
    }
    s.run(null, "get", "k", "--prefix");
    s.run(null, "lease", "revoke", "$L600");
    s.run(null, "get", "", "--prefix", "--keys-only");
    s.run("LEMPTY", "lease", "grant", "60");
    s.run(null, "lease", "revoke", "$LEMPTY", "-w", "json"); // no keys: no new revision
    s.run(null, "lease", "list");
  }

  @Test
  void leaseCommandsMatchEtcd() throws Exception {
    Session e = new Session(etcd);
    Session c = new Session(cairn);
    leaseCommands(e);
    leaseCommands(c);
    assertSameTranscripts(e, c);
  }

  // ------------------------------------------------------------------------------------------ expiry and keep-alive

  /** Returns how long (ms) the key took to disappear after the grant. */
  static long expiry(Session s) {
    long start = System.nanoTime();
    s.run("LEXP", "lease", "grant", "2");
    s.run(null, "put", "--lease=$LEXP", "ephemeral", "v");
    Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
        .until(() -> !s.exists("ephemeral"));
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    s.run(null, "get", "ephemeral");
    s.run(null, "lease", "timetolive", "$LEXP");
    return took;
  }

  static void keepAlive(Session s) throws Exception {
    s.run("LKA", "lease", "grant", "3");
    s.run(null, "put", "--lease=$LKA", "alive", "v");
    try (Etcdctl.Background ka = s.ctl.start(s.expand("lease", "keep-alive", "$LKA"))) {
      // etcdctl renews every TTL/3 = 1 s: five answers take longer than the 3 s TTL
      String out = ka.awaitOutput(o -> o.lines().filter(l -> l.contains("keepalived")).count() >= 5);
      s.record("lease keep-alive (first answer)", out.lines().findFirst().orElse(""));
      s.record("key alive after more than its TTL", String.valueOf(s.exists("alive")));
    }
    Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
        .until(() -> !s.exists("alive"));
    s.run(null, "lease", "timetolive", "$LKA");
  }

  @Test
  void unrenewedLeasesExpireAndKeptAliveOnesDoNot() throws Exception {
    Session e = new Session(etcd);
    Session c = new Session(cairn);
    long etcdMs = expiry(e);
    long cairnMs = expiry(c);
    System.out.printf("TTL-2 lease: key gone after %d ms on etcd, %d ms on cairn%n", etcdMs, cairnMs);
    keepAlive(e);
    keepAlive(c);
    assertSameTranscripts(e, c);
    // TTL 2 s; etcd checks every 500 ms; never early, and within a bounded margin
    assertThat(cairnMs).as("cairn expiry (etcd took %d ms)", etcdMs).isBetween(1900L, 5000L);
  }

  // ------------------------------------------------------------------------------------------ lock and elect

  static void lockAndElect(Session s) throws Exception {
    s.run(null, "lock", "once", "--", "sh", "-c", "echo held $ETCD_LOCK_KEY");
    try (Etcdctl.Background holder = s.ctl.start("lock", "excl")) {
      s.record("lock excl (holder)", holder.awaitOutput(o -> o.contains("excl/")));
      try (Etcdctl.Background waiter = s.ctl.start("lock", "excl", "--", "sh", "-c", "echo got $ETCD_LOCK_KEY")) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> s.count("excl/") == 2);
        s.record("waiter while held", waiter.output());
        holder.close(); // SIGTERM: etcdctl unlocks
        s.record("lock excl (waiter)", waiter.awaitOutput(o -> o.contains("got excl/")));
      }
    }
    try (Etcdctl.Background a = s.ctl.start("elect", "el", "A")) {
      s.record("elect el A", a.awaitOutput(o -> o.contains("\nA")));
      try (Etcdctl.Background observer = s.ctl.start("elect", "-l", "el");
           Etcdctl.Background b = s.ctl.start("elect", "el", "B")) {
        observer.awaitOutput(o -> o.contains("\nA"));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> s.count("el/") == 2);
        s.record("elect el B while A leads", b.output());
        a.close(); // SIGTERM: resigns
        s.record("elect el B", b.awaitOutput(o -> o.contains("\nB")));
        s.record("elect -l el", observer.awaitOutput(o -> o.contains("\nB")));
      }
    }
  }

  @Test
  void lockAndElectMatchEtcd() throws Exception {
    Session e = new Session(etcd);
    Session c = new Session(cairn);
    lockAndElect(e);
    lockAndElect(c);
    assertSameTranscripts(e, c);
  }
}
