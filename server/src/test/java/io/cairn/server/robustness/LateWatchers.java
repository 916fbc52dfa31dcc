package io.cairn.server.robustness;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.WatchOption;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Watches opened while the traffic and the fault run, as clients open them: from a random past revision, and as a
 * Kubernetes informer does, a list followed by a watch from the list's revision + 1. Each is checked afterwards
 * against the committed writes from its own start revision.
 */
final class LateWatchers {
  private final Supplier<Client> clients;
  private final Recorder rec;
  private final int clientId;
  private final Random rnd;
  private final List<WatchRecording> opened;
  private final List<String> errors = new CopyOnWriteArrayList<>();

  /** @param opened where each watch opened is added (the run requests progress on them) */
  LateWatchers(Supplier<Client> clients, Recorder rec, int clientId, Random rnd, List<WatchRecording> opened) {
    this.opened = opened;
    this.clients = clients;
    this.rec = rec;
    this.clientId = clientId;
    this.rnd = rnd;
  }

  /** Opens {@code count} watches at random moments within {@code spreadMs}, alternating the two kinds. */
  void run(int count, long spreadMs, long baseRevision, AtomicBoolean stop) {
    for (int i = 0; i < count && !stop.get(); i++) {
      LockSupport.parkNanos((long) (rnd.nextDouble() * spreadMs / count) * 1_000_000L);
      History.Response list = null;
      for (int attempt = 0; attempt < 20 && list == null && !stop.get(); attempt++) {
        list = rec.get(clientId, TrafficRun.PREFIX, true, false); // recorded: the checker judges what it read
      }
      if (list == null) {
        errors.add("late watcher " + i + ": no list succeeded");
        continue;
      }
      long from = i % 2 == 0 ? list.revision() + 1 // an informer: list, then watch from its revision + 1
          : baseRevision + 1 + (long) (rnd.nextDouble() * (list.revision() - baseRevision));
      open((i % 2 == 0 ? "informer-" : "from-revision-") + i, from);
    }
  }

  private void open(String name, long from) {
    WatchRecording w = new WatchRecording(name, from, clients.get());
    opened.add(w);
    w.client.getWatchClient().watch(ByteSequence.from(TrafficRun.PREFIX, StandardCharsets.UTF_8),
        WatchOption.builder().isPrefix(true).withPrevKV(true).withRevision(from).build(), w.listener(errors));
  }

  List<String> errors() {
    return errors;
  }
}
