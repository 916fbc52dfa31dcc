package io.cairn.server.robustness;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.watch.WatchEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What one watch got: its event responses in order, and where its progress notifications came among them (the
 * run asks for progress now and then, so bookmarks are checked too).
 */
final class WatchRecording {
  final String name;
  final long startRevision;
  /** Asks the watch's stream for a progress notification. */
  volatile Runnable progress = () -> { };
  final List<List<WatchValidator.Event>> responses = new CopyOnWriteArrayList<>();
  final List<WatchValidator.Bookmark> bookmarks = new CopyOnWriteArrayList<>();

  WatchRecording(String name, long startRevision) {
    this.name = name;
    this.startRevision = startRevision;
  }

  /** A jetcd watch on {@code client}'s stream: progress is requested per stream. */
  static WatchRecording onJetcd(String name, long startRevision, Client client) {
    WatchRecording w = new WatchRecording(name, startRevision);
    w.progress = () -> client.getWatchClient().requestProgress();
    return w;
  }

  Watch.Listener listener(List<String> errors) {
    return Watch.listener(r -> {
      if (r.isProgressNotify()) {
        bookmarks.add(new WatchValidator.Bookmark(responses.size(), r.getHeader().getRevision()));
        return;
      }
      List<WatchValidator.Event> events = new ArrayList<>();
      for (WatchEvent e : r.getEvents()) {
        events.add(TrafficRun.event(e));
      }
      if (!events.isEmpty()) {
        responses.add(events);
      }
    }, err -> errors.add(name + ": " + err));
  }

  /** Asks for a progress notification; a stream being re-established may miss it, which is harmless. */
  void requestProgress() {
    try {
      progress.run();
    } catch (RuntimeException closing) {
      // the client is closing at the end of the run
    }
  }
}
