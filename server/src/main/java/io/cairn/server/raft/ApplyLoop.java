package io.cairn.server.raft;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.cairn.proto.raftpb.ConfChange;
import io.cairn.proto.raftpb.ConfChangeV2;
import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.server.apply.RequestApplier;
import io.cairn.server.loop.EventLoop;
import io.cairn.storage.failpoint.Failpoints;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The apply thread: takes committed entries from the raft thread in order, applies writes to the
 * store (which records each entry's index with its data, so replays after a crash are skipped),
 * hands configuration changes back to the raft thread, completes the waiting client calls and
 * releases reads waiting for an applied index.
 *
 * <p>Batching: everything queued when the thread wakes is staged into one store batch (at most
 * {@link #MAX_BATCH} requests) and written with one RocksDB write. Only after that write are the
 * applied index raised, the clients answered and waiting reads released, so nobody observes a
 * write the store has not taken. A configuration change or a posted task first commits what is
 * staged, so it runs against the store as of every entry before it.
 */
final class ApplyLoop implements AutoCloseable, EventLoop.Owner<Object> {
  private static final Logger LOG = LoggerFactory.getLogger(ApplyLoop.class);

  /** Requests staged per RocksDB batch at most: bounds the batch's memory and the first answer's wait. */
  static final int MAX_BATCH = 1000;

  /** A read waiting until the applied index reaches {@code index}. */
  private record ReadWait(long index, CompletableFuture<Void> future) {}

  /** Committed entries from the raft thread. */
  private record Committed(List<Entry> entries) {}

  /** A snapshot Raft accepted and persisted: the store is replaced by its checkpoint. */
  private record Install(io.cairn.proto.raftpb.Snapshot snapshot, java.nio.file.Path checkpoint, long from) {}

  /** Replaces the store (and the membership) with a snapshot's, on this thread. */
  interface SnapshotSink {
    void install(io.cairn.proto.raftpb.Snapshot snapshot, java.nio.file.Path checkpoint, long from);
  }

  /**
   * etcd answers a proposal it cannot vouch for (here: an entry the store already held, from a snapshot, when it was
   * re-delivered) with a timeout: the client learns the outcome is unknown, never a made-up result.
   */
  static final String OUTCOME_UNKNOWN = io.cairn.server.api.EtcdErrors.TIMEOUT;

  /**
   * A client call answered once the batch holding its entry is written: with {@code response} or {@code error},
   * or, for a physical compaction, when {@code later} completes.
   */
  private record Answer(CompletableFuture<Message> caller, Message response, RuntimeException error,
      CompletableFuture<? extends Message> later) {}

  private final RequestApplier applier;
  private final RequestWaits waits;
  private final MemberStop stop;
  private volatile SnapshotSink snapshots = (snap, dir, from) -> {
    throw new IllegalStateException("no snapshot sink");
  };
  private final Consumer<Runnable> raftThread;
  private final ConfChangeSink confChanges;
  private volatile java.util.function.Consumer<io.cairn.proto.serverpb.MemberRecord> attributes = r -> { };
  /** {@link Committed}, {@link ReadWait} or a {@link Runnable} to run on this thread. */
  private final EventLoop<Object> queue;
  private final java.util.ArrayList<Answer> answers = new java.util.ArrayList<>();
  /** The index of the last entry staged; published as {@link #applied} when the batch is written. */
  private long staged;
  private final PriorityQueue<ReadWait> reads = new PriorityQueue<>((a, b) -> Long.compare(a.index, b.index));
  private final AtomicLong applied;
  private volatile Runnable onApplied = () -> { };
  /** Told of every written batch before its callers are answered: watchers are woken first (see {@link #commit}). */
  private volatile Runnable onWritten = () -> { };
  /** The applied index {@link #onWritten} was last told of: drains that wrote nothing (reads waiting) wake no one. */
  private long lastWritten = -1;

  /** Where configuration changes go: applied on the raft thread, which owns the node. */
  interface ConfChangeSink {
    void apply(ConfChangeV2 cc, long index);
  }

  ApplyLoop(RequestApplier applier, RequestWaits waits, long appliedIndex,
      Consumer<Runnable> raftThread, ConfChangeSink confChanges, MemberStop stop) {
    this.applier = applier;
    this.waits = waits;
    this.stop = stop;
    this.raftThread = raftThread;
    this.confChanges = confChanges;
    this.applied = new AtomicLong(appliedIndex);
    this.staged = appliedIndex;
    this.queue = new EventLoop<>("cairn-apply", this);
  }

  void start() {
    queue.start();
  }

  /** The loop's turns run on one thread, or a test's (see {@link EventLoop#runOnce}). */
  EventLoop<Object> loop() {
    return queue;
  }

  /** Where published member attributes go (the membership). */
  void onMemberAttributes(java.util.function.Consumer<io.cairn.proto.serverpb.MemberRecord> sink) {
    attributes = sink;
  }

  void onSnapshot(SnapshotSink sink) {
    snapshots = sink;
  }

  /** After each drain that applied something (snapshot checks). */
  void onApplied(Runnable r) {
    onApplied = r;
  }

  /** After each written batch, before its answers (cheap, coalesced wake-ups of watchers and waiters). */
  void onWritten(Runnable r) {
    onWritten = r;
  }

  long appliedIndex() {
    return applied.get();
  }

  /** From the raft thread, once the snapshot is persisted: after every entry submitted before it. */
  void install(io.cairn.proto.raftpb.Snapshot snapshot, java.nio.file.Path checkpoint, long from) {
    queue.post(new Install(snapshot, checkpoint, from));
  }

  /** On the apply thread, after the store was replaced by a snapshot holding entries up to {@code index}. */
  private void raiseApplied(long index) {
    staged = Math.max(staged, index);
    applied.accumulateAndGet(index, Math::max);
    releaseReads();
  }

  /** From the raft thread: committed entries, in log order. */
  void submit(List<Entry> committed) {
    queue.post(new Committed(committed));
  }

  /**
   * From any thread: complete {@code f} once everything up to {@code index} is applied: at once on the caller's
   * thread when it already is (the usual case for a read index, which an idle store has long applied; a hop through
   * this thread cost a linearizable read a wake-up), else on this thread when it gets there.
   */
  void whenApplied(long index, CompletableFuture<Void> f) {
    if (applied.get() >= index) {
      f.complete(null);
      return;
    }
    queue.post(new ReadWait(index, f));
  }

  /** Runs {@code r} on the apply thread after everything submitted before it is applied and written. */
  void post(Runnable r) {
    queue.post(r);
  }

  /** After a drain that handled something: one write for the batch, then the applied index and the answers. */
  @Override
  public long step(boolean handled) {
    if (handled) {
      commit();
      onApplied.run();
    }
    return TimeUnit.MILLISECONDS.toNanos(100);
  }

  /** A member that cannot apply would diverge or serve a frozen store: it stops, as etcd panics. */
  @Override
  public void failed(Throwable cause) {
    stop.stop(1, "applying committed entries failed: " + cause, cause);
  }

  @Override
  public void ended() {
    applier.close();
  }

  @Override
  public void handle(Object item) {
    if (item instanceof Committed c) {
      for (Entry e : c.entries()) {
        applyEntry(e);
        if (applier.staged() >= MAX_BATCH) {
          commit();
        }
      }
    } else if (item instanceof Install i) {
      commit();
      snapshots.install(i.snapshot(), i.checkpoint(), i.from());
      raiseApplied(i.snapshot().getMetadata().getIndex());
    } else if (item instanceof ReadWait w) {
      reads.add(w);
      releaseReads();
    } else {
      commit();
      ((Runnable) item).run();
    }
  }

  /** Writes the staged batch, then publishes the applied index, answers the clients and releases reads. */
  private void commit() {
    Failpoints.hit(Failpoints.Point.applyBeforeCommit);
    applier.commit();
    Failpoints.hit(Failpoints.Point.applyAfterCommit);
    applied.set(staged);
    // watchers are woken before the writers hear back, as etcd notifies them within the apply: a client that
    // watches its own write should see the event no later than the put's response, not a thread hop after it
    if (staged != lastWritten) {
      lastWritten = staged;
      onWritten.run();
    }
    for (Answer a : answers) {
      if (a.later() != null) {
        a.later().whenComplete((r, err) -> {
          if (err != null) {
            a.caller().completeExceptionally(err);
          } else {
            a.caller().complete(r);
          }
        });
      } else if (a.error() != null) {
        a.caller().completeExceptionally(a.error());
      } else {
        a.caller().complete(a.response());
      }
    }
    answers.clear();
    releaseReads();
  }

  private void applyEntry(Entry e) {
    switch (e.getType()) {
      case NORMAL -> {
        if (!e.getData().isEmpty()) {
          applyRequest(e);
        }
      }
      case CONF_CHANGE -> {
        commit();
        confChanges.apply(parseV1(e), e.getIndex());
      }
      case CONF_CHANGE_V2 -> {
        commit();
        confChanges.apply(parseV2(e), e.getIndex());
      }
      default -> LOG.warn("ignoring entry {} of unknown type {}", e.getIndex(), e.getTypeValue());
    }
    staged = e.getIndex();
  }

  private void applyRequest(Entry e) {
    InternalRequest req;
    try {
      // keys and values alias the entry's data rather than copy it: an entry's data is never written after it is
      // made (a proposal's own array, or a copy parsed from a peer's message or the WAL)
      com.google.protobuf.CodedInputStream in = e.getData().newCodedInput();
      in.enableAliasing(true);
      req = InternalRequest.parseFrom(in);
    } catch (java.io.IOException ex) { // InvalidProtocolBufferException: the only one reading an array throws
      throw new IllegalStateException("undecodable entry at index " + e.getIndex(), ex);
    }
    CompletableFuture<Message> wait = waits.take(req.getId());
    if (req.hasMemberAttributes()) {
      attributes.accept(req.getMemberAttributes());
      answer(wait, req.getMemberAttributes(), null, null);
      return;
    }
    if (applier.holds(e.getIndex())) {
      // the store already holds this entry (a snapshot installed here carried it): what it answered is not known
      // here, so the caller hears the outcome is unknown
      answer(wait, null, io.cairn.server.api.EtcdErrors.unavailable(OUTCOME_UNKNOWN), null);
      return;
    }
    try {
      if (req.hasCompaction()) {
        applier.check(req);
        answer(wait, null, null, applier.compact(req.getCompaction(), e.getIndex()));
      } else {
        answer(wait, applier.apply(req, e.getIndex()), null, null);
      }
    } catch (io.cairn.storage.mvcc.MvccException | io.grpc.StatusRuntimeException rejected) {
      // a request the store, an active alarm or the auth check refuses (compacted revision, permission denied) is
      // refused the same way on every member and changes nothing; a NOSPACE from this member's own quota comes after
      // the write was applied, as in etcd
      answer(wait, null, rejected, null);
    }
  }

  /** Remembers the answer for a waiting caller (none waits for entries proposed by another member). */
  private void answer(CompletableFuture<Message> caller, Message response, RuntimeException error,
      CompletableFuture<? extends Message> later) {
    if (caller != null) {
      answers.add(new Answer(caller, response, error, later));
    }
  }

  private void releaseReads() {
    long a = applied.get();
    while (!reads.isEmpty() && reads.peek().index <= a) {
      reads.poll().future.complete(null);
    }
  }

  private static ConfChangeV2 parseV1(Entry e) {
    try {
      ConfChange cc = ConfChange.parseFrom(e.getData());
      return ConfChangeV2.newBuilder().addChanges(io.cairn.proto.raftpb.ConfChangeSingle.newBuilder()
          .setType(cc.getType()).setNodeId(cc.getNodeId())).setContext(cc.getContext()).build();
    } catch (InvalidProtocolBufferException ex) {
      throw new IllegalStateException("undecodable conf change at index " + e.getIndex(), ex);
    }
  }

  private static ConfChangeV2 parseV2(Entry e) {
    try {
      return ConfChangeV2.parseFrom(e.getData());
    } catch (InvalidProtocolBufferException ex) {
      throw new IllegalStateException("undecodable conf change at index " + e.getIndex(), ex);
    }
  }

  @Override
  public void close() {
    queue.close();
  }
}
