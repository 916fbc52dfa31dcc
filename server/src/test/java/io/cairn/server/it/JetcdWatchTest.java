package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** jetcd's Watch client against a running Cairn: many watchers, replay, cancel, compaction. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JetcdWatchTest extends AgainstCairn {
  static KV kv;
  static Watch watch;

  @BeforeAll
  static void clients() {
    kv = client.getKVClient();
    watch = client.getWatchClient();
  }

  static long put(String k, String v) throws Exception {
    return kv.put(bs(k), bs(v)).get(20, TimeUnit.SECONDS).getHeader().getRevision();
  }

  @Test
  @Order(1)
  void manyWatchersEachSeeTheirKeysLive() throws Exception {
    int n = 50;
    long from = put("many/start", "x") + 1;
    List<List<String>> seen = new ArrayList<>();
    List<Watch.Watcher> watchers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<String> mine = new CopyOnWriteArrayList<>();
      seen.add(mine);
      // jetcd creates watchers asynchronously; starting them all at a known revision makes what each
      // must see independent of when its create is answered
      watchers.add(watch.watch(bs("many/" + i + "/"), WatchOption.builder().isPrefix(true).withRevision(from).build(),
          r -> r.getEvents().forEach(e -> mine.add(e.getKeyValue().getValue().toString(StandardCharsets.UTF_8)))));
    }
    for (int i = 0; i < n; i++) {
      put("many/" + i + "/k", "v" + i);
    }
    for (int i = 0; i < n; i++) {
      int idx = i;
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> seen.get(idx).contains("v" + idx));
      assertThat(seen.get(idx)).containsExactly("v" + idx);
    }
    watchers.forEach(Watch.Watcher::close);
  }

  @Test
  @Order(2)
  void replayFromAnOldRevisionThenLiveWithoutGapOrDuplicate() throws Exception {
    long first = put("replay/k", "1");
    put("replay/k", "2");
    kv.delete(bs("replay/k")).get(20, TimeUnit.SECONDS);
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    try (Watch.Watcher w = watch.watch(bs("replay/"), WatchOption.builder().isPrefix(true).withRevision(first)
        .withPrevKV(true).build(), r -> events.addAll(r.getEvents()))) {
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> events.size() >= 3);
      put("replay/k", "3");
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> events.size() >= 4);
      assertThat(events).extracting(WatchEvent::getEventType).containsExactly(
          WatchEvent.EventType.PUT, WatchEvent.EventType.PUT, WatchEvent.EventType.DELETE, WatchEvent.EventType.PUT);
      assertThat(events.get(1).getPrevKV().getValue().toString(StandardCharsets.UTF_8)).isEqualTo("1");
      assertThat(events.get(2).getPrevKV().getValue().toString(StandardCharsets.UTF_8)).isEqualTo("2");
      assertThat(events.get(3).getKeyValue().getVersion()).isEqualTo(1);
    }
  }

  @Test
  @Order(3)
  void cancelStopsEvents() throws Exception {
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    long rev = put("cancel/k", "1");
    Watch.Watcher w = watch.watch(bs("cancel/k"), WatchOption.builder().withRevision(rev).build(),
        r -> events.addAll(r.getEvents()));
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> events.size() == 1);
    w.close();
    put("cancel/k", "2");
    // a watcher on the same key that is still open proves the later write was delivered to watchers
    List<WatchEvent> other = new CopyOnWriteArrayList<>();
    try (Watch.Watcher w2 = watch.watch(bs("cancel/k"), WatchOption.builder().withRevision(rev).build(),
        r -> other.addAll(r.getEvents()))) {
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> other.size() == 2);
    }
    assertThat(events).hasSize(1);
  }

  @Test
  @Order(4)
  void watchingFromACompactedRevisionIsCanceledWithCompactedError() throws Exception {
    long rev = put("compact/k", "1");
    put("compact/k", "2");
    long last = put("compact/k", "3");
    kv.compact(last, CompactOption.builder().withCompactPhysical(true).build()).get(20, TimeUnit.SECONDS);
    AtomicReference<Throwable> error = new AtomicReference<>();
    try (Watch.Watcher w = watch.watch(bs("compact/k"), WatchOption.builder().withRevision(rev).build(),
        Watch.listener(r -> { }, error::set))) {
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> error.get() != null);
      assertThat(error.get()).hasMessageContaining("compacted");
    }
  }
}
