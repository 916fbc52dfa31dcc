package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that stops ends its watch streams as a closing etcd does (Unavailable), so a client resumes its watch
 * and misses nothing. Found by the robustness campaign: the streams were cancelled instead, and jetcd gives a
 * cancelled watch up for good.
 */
class WatchFailoverTest {
  @TempDir Path dir;
  List<Member> members = List.of();

  @AfterEach
  void stop() throws Exception {
    for (Member m : members) {
      m.kill();
    }
  }

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Test
  void aWatchResumesAfterItsMemberRestarts() throws Exception {
    members = Member.cairnCluster(dir, 3);
    ClusterTest.awaitLeader(members);
    Etcdctl other = new Etcdctl(members.get(1).endpoint());
    List<String> seen = new CopyOnWriteArrayList<>();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    try (Client c = Client.builder().endpoints(members.get(0).url()).build()) {
      long rev = c.getKVClient().get(bs("w")).get().getHeader().getRevision();
      c.getWatchClient().watch(bs("w"), WatchOption.builder().isPrefix(true).withRevision(rev + 1).build(),
          Watch.listener(r -> {
            for (WatchEvent e : r.getEvents()) {
              seen.add(e.getKeyValue().getKey().toString(StandardCharsets.UTF_8));
            }
          }, errors::add));
      other.run("put", "w1", "a").ok();
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> seen.contains("w1"));
      members.get(0).stop();
      other.run("put", "w2", "b").ok();
      members.get(0).startProcess();
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains("w2"));
      assertThat(seen).containsExactly("w1", "w2");
      // jetcd reports the interruption to the listener, then resumes: only Unavailable may be reported
      assertThat(errors).allSatisfy(e -> assertThat(e).hasMessageContaining("server stopped"));
    }
  }
}
