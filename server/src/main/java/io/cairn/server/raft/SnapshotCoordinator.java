package io.cairn.server.raft;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.ConfState;
import io.cairn.proto.raftpb.Message;
import io.cairn.proto.raftpb.Snapshot;
import io.cairn.proto.serverpb.CheckpointFile;
import io.cairn.server.cluster.Membership;
import io.cairn.server.peer.PeerTransport;
import io.cairn.storage.failpoint.Failpoints;
import io.cairn.storage.mvcc.MvccStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots of one member: taking them every --snapshot-count applied entries (a store checkpoint on the snapshot
 * thread, recorded by the raft thread), and installing one received from the leader. The install order is etcd's:
 * the received checkpoint is offered to Raft with its MsgSnap; only a snapshot Raft accepts is persisted, and only
 * then, on the apply thread after every entry before it, does the store change, and only forwards (a store already
 * at or past the checkpoint keeps its writes). One install runs at a time: the apply thread runs them.
 */
final class SnapshotCoordinator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotCoordinator.class);

  private final MvccStore store;
  private final RaftLoop raft;
  private final DurableLog log;
  private final Membership membership;
  private final long memberId;
  private final Path snapDir;
  private final Path storeDir;
  private final long snapshotCount;
  private final LongSupplier appliedIndex;
  private volatile PeerTransport transport;
  /** Takes store checkpoints, so neither the apply nor the raft thread waits for the flush. */
  private final ExecutorService snapshotter = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "cairn-snapshot");
    t.setDaemon(true);
    return t;
  });
  private volatile long lastSnapshotIndex;
  /** The snapshot under way (done when none is): one at a time, set only by the apply thread. */
  private volatile CompletableFuture<Void> inFlight = CompletableFuture.completedFuture(null);

  SnapshotCoordinator(MvccStore store, RaftLoop raft, DurableLog log, Membership membership, long memberId,
      Path memberDir, long snapshotCount, LongSupplier appliedIndex) {
    this.store = store;
    this.raft = raft;
    this.log = log;
    this.membership = membership;
    this.memberId = memberId;
    this.snapDir = memberDir.resolve("snap");
    this.storeDir = memberDir.resolve("store");
    this.snapshotCount = snapshotCount;
    this.appliedIndex = appliedIndex;
    this.lastSnapshotIndex = log.snapshotIndex();
  }

  void attach(PeerTransport transport) {
    this.transport = transport;
  }

  /** From the peer service: a snapshot stream arrived whole in {@code dir}; completes once Raft took or refused it. */
  CompletableFuture<Void> receive(Message msgSnap, Path dir) {
    List<CheckpointFile> files;
    long storeIndex;
    try {
      files = Checkpoints.seal(dir);
      storeIndex = MvccStore.inspect(dir).consistentIndex();
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    raft.offerSnapshot(msgSnap, new ReceivedCheckpoint(dir, files, storeIndex), done);
    return done;
  }

  /**
   * On the apply thread: a snapshot Raft accepted and persisted. The store takes a private copy of the checkpoint
   * (the checkpoint stays, for restarts); the membership and the peer links follow the snapshot.
   */
  void install(Snapshot snap, Path checkpoint, long from) {
    long index = snap.getMetadata().getIndex();
    Path copy = MvccStore.restoringDir(storeDir);
    boolean replaced;
    try {
      Failpoints.hit(Failpoints.Point.snapshotBeforeInstall);
      Checkpoints.deleteTree(copy);
      Checkpoints.copy(checkpoint, copy);
      replaced = store.restoreFrom(copy);
      Failpoints.hit(Failpoints.Point.snapshotAfterInstall);
    } catch (IOException e) {
      throw new IllegalStateException("installing the snapshot at index " + index + " failed: " + e, e);
    }
    membership.restore(snap.getData());
    PeerTransport t = transport;
    if (t != null) {
      t.sync(membership.members(), memberId);
    }
    lastSnapshotIndex = Math.max(lastSnapshotIndex, index);
    // etcd's "applied snapshot"; replaced=false: this member's store was already past the snapshot and was kept
    LOG.atInfo().addKeyValue("incoming-leader-snapshot-index", index)
        .addKeyValue("from", Long.toHexString(from)).addKeyValue("replaced-store", replaced)
        .addKeyValue("consistent-index", store.consistentIndex()).addKeyValue("revision", store.currentRevision())
        .log("applied snapshot");
  }

  /**
   * On the apply thread after a batch: every --snapshot-count entries start a snapshot. The membership and (through
   * the raft inbox) the configuration are taken as of the applied index; the store checkpoint is taken later on the
   * snapshot thread and holds at least that much, which is all a restart needs (entries the checkpoint already
   * holds are skipped by their consistent index).
   */
  void afterApply() {
    if (appliedIndex.getAsLong() - lastSnapshotIndex >= snapshotCount) {
      snapshotNow();
    }
  }

  /**
   * On the apply thread: a snapshot of everything applied, now (unless one is under way or nothing was applied since
   * the last). The leader asks for one when a member it must send a snapshot to is not in the newest snapshot's
   * configuration (a member added since): Raft on that member would rightly refuse it.
   */
  void snapshotNow() {
    long applied = appliedIndex.getAsLong();
    if (applied <= lastSnapshotIndex || !inFlight.isDone()) {
      return;
    }
    lastSnapshotIndex = applied;
    CompletableFuture<Void> done = new CompletableFuture<>();
    inFlight = done;
    ByteString members = membership.toSnapshot();
    raft.withConfState(cs -> {
      try {
        snapshotter.execute(() -> take(applied, cs, members, done));
      } catch (RejectedExecutionException stopping) {
        done.complete(null);
      }
    });
  }

  /**
   * On the snapshot thread. The checkpoint flushes the store's memtables to fsynced SST files before it links them
   * (RocksDB always does), so afterwards the store holds everything through {@code storeIndex} without RocksDB's
   * own (unsynced) log, and the raft WAL behind {@code index} may be released (the durability argument in
   * docs/architecture.md). A flush of our own before it would only double the flushes: each writes a small file per
   * column family, and more small files mean more compaction.
   */
  private void take(long index, ConfState cs, ByteString members, CompletableFuture<Void> done) {
    try {
      long storeIndex = store.consistentIndex();
      Path checkpoint = SnapshotFiles.checkpointDir(snapDir, index);
      Checkpoints.deleteTree(checkpoint);
      store.checkpoint(checkpoint);
      List<CheckpointFile> files = Checkpoints.seal(checkpoint);
      raft.snapshotAt(index, cs, members, checkpoint, storeIndex, files, () -> {
        try {
          snapshotter.execute(() -> {
            try {
              log.removeUnusedCheckpoints();
            } catch (IOException | RuntimeException e) {
              LOG.warn("removing old checkpoints: {}", e.toString());
            } finally {
              done.complete(null);
            }
          });
        } catch (RejectedExecutionException stopping) {
          done.complete(null); // removed at the next start
        }
      });
    } catch (IOException | RuntimeException e) {
      LOG.error("taking a snapshot at index {} failed; the next one is tried after more entries", index, e);
      done.complete(null);
    }
  }

  /** A store checkpoint to stream to a follower (the sender deletes it afterwards). */
  Path checkpointToSend() {
    return store.checkpoint(snapDir.resolve("send-" + System.nanoTime()));
  }

  @Override
  public void close() {
    try {
      // a snapshot under way is finished by the raft thread, which is still running; one cut short
      // by a crash leaves only a checkpoint no snapshot file names, removed at the next start
      inFlight.get(30, TimeUnit.SECONDS);
      snapshotter.shutdown();
      snapshotter.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.warn("a snapshot did not finish before stopping: {}", e.toString());
    }
    snapshotter.shutdownNow();
  }
}
