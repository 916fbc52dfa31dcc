package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that cannot go on stops the process, as etcd does, instead of half-running: a full disk ends it with a
 * non-zero status; applying its own removal ends it with status 0 and etcd's message.
 */
class MemberStopTest {
  @TempDir Path dir;
  Member single;
  List<Member> cluster = List.of();
  Path mounted;

  @AfterEach
  void cleanUp() throws Exception {
    if (single != null) {
      single.kill();
    }
    for (Member m : cluster) {
      m.kill();
    }
    if (mounted != null) {
      new ProcessBuilder("umount", mounted.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
    }
  }

  /**
   * The data directory on a 200 MiB tmpfs: the WAL pre-allocates its 64 MiB segment and RocksDB about 75 MiB for its
   * log, so writes soon run out of room (in RocksDB, or for the next WAL segment). Either way the member must exit
   * non-zero and say why. Needs root for the mount, as CI has.
   */
  @Test
  void aFullDiskEndsTheProcessWithANonZeroStatus() throws Exception {
    Path data = dir.resolve("cairn-data");
    Files.createDirectories(data);
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=200m", "tmpfs", data.toString())
        .redirectErrorStream(true).start();
    assertThat(mount.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(mount.exitValue()).as("mounting a tmpfs (the test runs as root, as CI does): %s",
        new String(mount.getInputStream().readAllBytes())).isZero();
    mounted = data;
    single = Member.cairn(dir, "--snapshot-count", "100000000");
    ByteSequence value = ByteSequence.from(new byte[256 << 10]);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    try (Client c = Client.builder().endpoints(single.url()).build()) {
      for (int i = 0; i < 2000 && single.isAlive() && System.nanoTime() < deadline; i++) {
        try {
          c.getKVClient().put(ByteSequence.from(("k" + i).getBytes()), value).get(10, TimeUnit.SECONDS);
        } catch (Exception refused) {
          // the member is going down: a refused put is expected once the disk is full
        }
      }
    }
    Integer status = single.awaitExit(Duration.ofSeconds(30));
    assertThat(status).as("the member must exit once its disk is full:%n%s", single.logText()).isNotNull();
    assertThat(status).isNotZero();
    assertThat(single.logText()).contains("\"level\":\"fatal\"");
  }

  @Test
  void aMemberThatAppliesItsOwnRemovalStopsWithEtcdsMessage() throws Exception {
    cluster = Member.cairnCluster(dir, 3);
    ClusterTest.awaitLeader(cluster);
    Etcdctl ctl = new Etcdctl(cluster.get(0).endpoint());
    String id = null;
    for (String line : ctl.run("member", "list").ok().out().split("\n")) {
      String[] f = line.split(", ");
      if (f.length > 2 && f[2].equals("m3")) {
        id = f[0];
      }
    }
    assertThat(id).isNotNull();
    ctl.run("member", "remove", id).ok();
    Integer status = cluster.get(2).awaitExit(Duration.ofSeconds(30));
    assertThat(status).as("the removed member must stop:%n%s", cluster.get(2).logText()).isEqualTo(0);
    assertThat(cluster.get(2).logText()).contains("the member has been permanently removed from the cluster");
    // the others go on
    new Etcdctl(cluster.get(0).endpoint() + "," + cluster.get(1).endpoint()).run("put", "after", "removal").ok();
  }
}
