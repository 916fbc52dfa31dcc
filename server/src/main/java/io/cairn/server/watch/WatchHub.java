package io.cairn.server.watch;

import io.cairn.proto.etcdserverpb.WatchRequest;
import io.cairn.proto.etcdserverpb.WatchResponse;
import io.cairn.proto.mvccpb.Event;
import io.cairn.server.api.Headers;
import io.cairn.server.loop.Clock;
import io.cairn.server.loop.EventLoop;
import io.cairn.server.raft.MemberStop;
import io.cairn.storage.mvcc.MvccException;
import io.cairn.storage.mvcc.MvccStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns every watch stream and delivers events to them from one thread. gRPC threads and the apply
 * thread only enqueue commands or wake it. Each round it reads the store's current revision and
 * moves every watcher behind it forward from the store's history in bounded batches; a stream whose
 * transport is not ready is skipped and resumes from its cursors later, so memory stays bounded
 * whatever a consumer's speed, and writers never wait for watchers.
 */
public final class WatchHub implements AutoCloseable, EventLoop.Owner<Runnable> {
  private static final Logger LOG = LoggerFactory.getLogger(WatchHub.class);

  private final MvccStore store;
  private final Headers headers;
  private final long progressIntervalNanos;
  private final int maxResponseBytes;
  private final EventLoop<Runnable> commands;
  private final Clock clock;
  private final MemberStop stop;
  private long nextTick;
  private final LeaderLossCheck leaderLoss;
  private final AtomicBoolean wakePending = new AtomicBoolean();
  private final Set<WatchStream> streams = new LinkedHashSet<>();
  /**
   * Streams opened and not yet in {@link #streams}, plus the size {@link #streams} had after this thread's last turn:
   * while both are 0 there is no one to wake (see {@link #wake}).
   */
  private final AtomicInteger opening = new AtomicInteger();
  private volatile int streamCount;
  private final HistoryReader history;
  /** A stream with unsynced watchers was skipped because its transport was not ready. */
  private boolean behind;
  /**
   * A watcher got a batch cut short (by revisions or bytes) and is still behind the current revision: the next round
   * must come at once, not with the next write or progress tick (with no more writes it would never come).
   */
  private boolean catchingUp;
  /** The revision the last full round delivered up to; a round at the same revision with nothing new is skipped. */
  private long roundRevision = -1;
  /** A watcher was created or progress asked for since the last round: the next round must look at every stream. */
  private boolean changed;
  static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  /**
   * @param clock times progress notifications
   * @param stop how the member ends if this thread fails
   * @param hasLeader whether this member knows a leader, looked at once per {@code electionTimeout}
   */
  public WatchHub(MvccStore store, Headers headers, Duration progressInterval, int maxResponseBytes, Clock clock,
      MemberStop stop, java.util.function.BooleanSupplier hasLeader, Duration electionTimeout) {
    this.store = store;
    this.headers = headers;
    // etcd's minimum progress interval is 100 ms
    this.progressIntervalNanos = Math.max(progressInterval.toNanos(), TimeUnit.MILLISECONDS.toNanos(100));
    this.maxResponseBytes = maxResponseBytes;
    this.history = new HistoryReader(store);
    this.clock = clock;
    this.stop = stop;
    this.nextTick = clock.nanoTime() + progressIntervalNanos;
    this.leaderLoss = new LeaderLossCheck(hasLeader, electionTimeout.toNanos(), clock.nanoTime());
    this.commands = new EventLoop<>("cairn-watch", this);
  }

  public void start() {
    commands.start();
  }

  /** The loop's turns run on one thread, or a test's (see {@link EventLoop#runOnce}). */
  EventLoop<Runnable> loop() {
    return commands;
  }

  /**
   * Called after the store applied new revisions (any thread, cheap, coalesced). With no watch stream it does nothing,
   * so a write costs this thread no wake-up. No event is missed: {@link #open} counts a stream before any of its
   * watchers can read the store, and the applier changes the store before it calls this, so either this call sees the
   * stream or the watcher's creation reads the new revision.
   */
  public void wake() {
    if (opening.get() == 0 && streamCount == 0) {
      return;
    }
    if (wakePending.compareAndSet(false, true)) {
      // the flag is cleared by the wake-up itself when it runs; clearing it anywhere else can leave
      // it set with no wake-up queued, and then every later wake() is lost
      commands.post(() -> wakePending.set(false));
    }
  }

  /** @param requireLeader opened with {@code hasleader: true}: ended when the member has no leader for long */
  WatchStream open(io.grpc.stub.ServerCallStreamObserver<WatchResponse> out, boolean requireLeader) {
    WatchStream s = new WatchStream(out, requireLeader);
    opening.incrementAndGet();
    commands.post(() -> {
      streams.add(s);
      streamCount = streams.size(); // before the opening count drops, so wake() never sees both at 0
      opening.decrementAndGet();
    });
    return s;
  }

  void handle(WatchStream s, WatchRequest req) {
    handle(s, req, null);
  }

  /** {@code refused}: a create's refusal reason (auth), answered as a canceled create in the stream's order. */
  void handle(WatchStream s, WatchRequest req, String refused) {
    commands.post(() -> {
      if (!streams.contains(s)) {
        return;
      }
      long cur = store.currentRevision();
      changed = true;
      switch (req.getRequestUnionCase()) {
        case CREATE_REQUEST -> {
          if (refused != null) {
            s.refuse(headers.at(cur), refused);
          } else {
            s.create(req.getCreateRequest(), headers.at(cur), cur);
          }
        }
        case CANCEL_REQUEST -> s.cancel(req.getCancelRequest().getWatchId(), headers.at(cur));
        case PROGRESS_REQUEST -> s.progressPending = true;
        default -> { } // etcd ignores unknown request kinds
      }
    });
  }

  void close(WatchStream s) {
    commands.post(() -> {
      s.closed = true;
      streams.remove(s);
    });
  }

  @Override
  public void handle(Runnable command) {
    command.run();
  }

  /** Delivers what watchers lack, sends progress when due, and says how long it may wait for the next command. */
  @Override
  public long step(boolean handled) {
    streamCount = streams.size();
    try {
      dispatch();
      if (clock.nanoTime() - nextTick >= 0) {
        long cur = store.currentRevision();
        for (WatchStream s : streams) {
          s.progressTick(headers.at(cur), cur);
        }
        nextTick = clock.nanoTime() + progressIntervalNanos;
      }
      if (leaderLoss.due(clock.nanoTime())) {
        endLeaderless();
      }
    } catch (RuntimeException e) {
      // one stream's failure (a client gone mid-send, say) must not end every other watch
      LOG.error("watch dispatch failed; continuing", e);
    }
    if (catchingUp) {
      return 0;
    }
    long now = clock.nanoTime();
    long wait = Math.max(0, Math.min(nextTick - now, leaderLoss.nextCheck() - now));
    // a stream that was not ready wakes us through onReady, but re-check soon regardless so that a missed
    // readiness notification can never strand a watcher behind its cursor
    return behind ? Math.min(wait, RECHECK_NANOS) : wait;
  }

  /** Anything else (an Error) leaves watchers silently stuck: the member stops instead. */
  @Override
  public void failed(Throwable cause) {
    stop.stop(1, "the watch thread failed: " + cause, cause);
  }

  private void dispatch() {
    long cur = store.currentRevision();
    // After a round every watcher is synced to its revision unless that round set behind or catchingUp, so with no
    // new revision and no new watcher or progress request there is nothing to do: without this, each command (a
    // create among thousands) would walk every watcher of every stream.
    if (cur == roundRevision && !changed && !behind && !catchingUp) {
      return;
    }
    roundRevision = cur;
    changed = false;
    long compacted = store.compactRevision();
    history.startRound(cur);
    // one header for the round: term and revision are the same for every response it sends
    io.cairn.proto.etcdserverpb.ResponseHeader header = headers.at(cur);
    behind = false;
    catchingUp = false;
    for (WatchStream s : new ArrayList<>(streams)) {
      for (Watcher w : s.snapshot()) {
        if (w.synced(cur)) {
          continue;
        }
        if (!s.ready()) {
          behind = true; // resumes from the cursors when the transport drains (onReady wakes us)
          break;
        }
        deliver(s, w, header, compacted);
        catchingUp |= s.watchers.containsKey(w.id) && !w.synced(cur);
      }
      if (s.ready()) {
        s.maybeSendProgress(header, cur);
      }
    }
  }

  private void deliver(WatchStream s, Watcher w, io.cairn.proto.etcdserverpb.ResponseHeader header, long compacted) {
    HistoryReader.Batch batch = null;
    if (w.nextRev >= compacted) {
      try {
        batch = history.batch(w.nextRev);
      } catch (MvccException compactedMeanwhile) {
        batch = null;
      }
    }
    if (batch == null) {
      // etcd cancels a watcher whose position was compacted away, naming the compact revision
      s.watchers.remove(w.id);
      s.send(WatchResponse.newBuilder().setHeader(headers.at(0)).setWatchId(w.id)
          .setCompactRevision(store.compactRevision()).setCanceled(true).build());
      return;
    }
    List<Event> mine = new ArrayList<>();
    for (Event e : batch.events()) {
      if (e.getKv().getModRevision() >= w.nextRev && w.wants(e)) {
        if (w.prevKv) {
          mine.add(history.withPrevious(e));
        } else {
          mine.add(e);
        }
      }
    }
    w.nextRev = batch.next();
    if (!mine.isEmpty()) {
      w.sentSinceTick = true;
      for (WatchResponse r : Fragments.split(header, w.id, mine, w.fragment, maxResponseBytes)) {
        s.send(r);
      }
    }
  }

  /** Ends the streams that asked for a leader, as etcd's monitorLeader cancels them. */
  private void endLeaderless() {
    for (java.util.Iterator<WatchStream> it = streams.iterator(); it.hasNext(); ) {
      WatchStream s = it.next();
      if (s.requireLeader) {
        it.remove();
        s.end(io.grpc.Status.UNAVAILABLE.withDescription(io.cairn.server.api.EtcdErrors.NO_LEADER));
      }
    }
  }

  /**
   * Before the member stops serving: every watch stream ends with Unavailable, as a closing etcd's transport ends
   * them, so clients (clientv3, jetcd) resume their watches on another member from where they were. Cancelled
   * streams (what stopping the gRPC server alone would give) make jetcd give its watches up.
   */
  public void endStreams() {
    java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
    commands.post(() -> {
      for (WatchStream s : streams) {
        s.end(io.grpc.Status.UNAVAILABLE.withDescription(io.cairn.server.api.EtcdErrors.SERVER_STOPPED));
      }
      streams.clear();
      done.complete(null);
    });
    try {
      done.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.warn("ending watch streams before stopping: {}", e.toString());
    }
  }

  @Override
  public void close() {
    commands.close();
  }
}
