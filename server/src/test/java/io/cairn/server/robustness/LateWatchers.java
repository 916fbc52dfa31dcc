package io.cairn.server.robustness;

import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Watches opened while the traffic and the fault run, as clients open them: from a random past revision, and as a
 * Kubernetes informer does, a list followed by a watch from the list's revision + 1. Each resumes on another member
 * when its stream breaks, from after the last event it got, and is checked afterwards against the committed writes
 * from its own start revision.
 */
final class LateWatchers {
  private final List<String> endpoints;
  private final Recorder rec;
  private final int clientId;
  private final Random rnd;
  private final List<WatchRecording> opened;
  private final List<ResumingWatch> watches = new CopyOnWriteArrayList<>();
  private final List<String> errors = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService retry = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "late-watchers-resume");
    t.setDaemon(true);
    return t;
  });

  /**
   * @param endpoints where the watches go, and resume when a member goes away
   * @param opened where each watch opened is added (the run requests progress on them)
   */
  LateWatchers(List<String> endpoints, Recorder rec, int clientId, Random rnd, List<WatchRecording> opened) {
    this.endpoints = endpoints;
    this.rec = rec;
    this.clientId = clientId;
    this.rnd = rnd;
    this.opened = opened;
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
    WatchRecording w = new WatchRecording(name, from);
    ResumingWatch watch = new ResumingWatch(endpoints, TrafficRun.PREFIX, w, errors, retry);
    w.progress = watch::requestProgress;
    opened.add(w);
    watches.add(watch);
    watch.start();
  }

  /** Ends every watch (they would resume forever otherwise). */
  void close() {
    watches.forEach(ResumingWatch::close);
    retry.shutdownNow();
  }

  List<String> errors() {
    return errors;
  }
}
