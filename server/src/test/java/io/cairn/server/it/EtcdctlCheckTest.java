package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcdctl's own health checks against Cairn, with the smallest load: {@code check datascale} (10,000 puts, the
 * member's resident memory read from /metrics, then a physical compaction and a defragmentation) and
 * {@code check perf} (a minute of 150 writes/s, then compaction and defragmentation). Both print PASS lines
 * and exit 0 on etcd.
 */
class EtcdctlCheckTest {
  @TempDir
  static Path dir;
  static Member cairn;

  @BeforeAll
  static void start() throws Exception {
    cairn = Member.cairn(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    if (cairn != null) {
      cairn.close();
    }
  }

  /** The lines after the progress bar (carriage returns redraw it). */
  static String lines(Etcdctl.Result r) {
    return r.out().replace('\r', '\n');
  }

  @Test
  void checkDatascalePassesWithCompactionAndDefrag() {
    Etcdctl.Result r = new Etcdctl(cairn.endpoint())
        .runFor(120, "check", "datascale", "--load", "s", "--auto-compact", "--auto-defrag").ok();
    String out = lines(r);
    assertThat(out).contains("Start data scale check for work load [10000 key-value pairs, 1024 bytes per key-value, "
        + "50 concurrent clients].");
    assertThat(out).containsPattern("Compacted with revision \\d+").contains("Defragmented \"" + cairn.endpoint() + "\"");
    // etcdctl read process_resident_memory_bytes from /metrics before and after the puts
    assertThat(out).containsPattern("PASS: Approximate system memory used : -?\\d+\\.\\d+ MB\\.");
    assertThat(r.err()).doesNotContain("FAIL");
  }

  @Test
  void checkPerfPasses() {
    Etcdctl.Result r = new Etcdctl(cairn.endpoint())
        .runFor(180, "check", "perf", "--load", "s", "--auto-compact", "--auto-defrag").ok();
    String out = lines(r);
    assertThat(out).containsPattern("PASS: Throughput is \\d+ writes/s")
        .containsPattern("PASS: Slowest request took \\d+\\.\\d+s")
        .containsPattern("PASS: Stddev is \\d+\\.\\d+s")
        .containsPattern("Compacted with revision \\d+");
    assertThat(out.strip()).endsWith("PASS");
  }
}
