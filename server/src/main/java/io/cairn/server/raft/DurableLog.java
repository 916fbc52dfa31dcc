package io.cairn.server.raft;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.ConfChange;
import io.cairn.proto.raftpb.ConfState;
import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.raftpb.HardState;
import io.cairn.proto.raftpb.Snapshot;
import io.cairn.proto.serverpb.SnapshotRecord;
import io.cairn.raft.Ready;
import io.cairn.storage.wal.Wal;
import io.cairn.storage.wal.WalContents;
import io.cairn.storage.wal.WalEntry;
import io.cairn.storage.wal.WalHardState;
import io.cairn.storage.wal.WalOptions;
import io.cairn.storage.wal.WalSnapshot;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raft's durable log: the WAL on disk and, as Raft's read view of it, a {@link WalBackedStorage} kept identical,
 * which holds the newest entries in memory and reads older ones back from the WAL. Only the raft thread touches it.
 */
final class DurableLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DurableLog.class);

  /**
   * WAL segment size: etcd's 64 MiB. Tests shrink it (system property {@code cairn.wal.segment-bytes}) so a few
   * hundred entries span several segments and releasing the log behind a snapshot can be observed.
   */
  private static long segmentBytes() {
    return Long.getLong("cairn.wal.segment-bytes", WalOptions.DEFAULT_SEGMENT_SIZE);
  }

  /**
   * How much of the newest entries' data the read view keeps in memory (system property
   * {@code cairn.raft.log-cache-bytes}; tests shrink it so that followers catch up from the WAL).
   */
  private static long cacheBytes() {
    return Long.getLong("cairn.raft.log-cache-bytes", 4L << 20);
  }

  final WalBackedStorage view;
  private final Wal wal;
  private final SnapshotFiles snapshots;
  /** The snapshot this member restarted from, or null. */
  private SnapshotRecord restartedFrom;
  /** Entries kept behind each snapshot so a follower that is briefly behind catches up without a store transfer. */
  private long catchUpEntries = 5000;

  private DurableLog(Wal wal, SnapshotFiles snapshots) {
    this.view = new WalBackedStorage(this::readBack, cacheBytes());
    this.wal = wal;
    this.snapshots = snapshots;
  }

  private List<Entry> readBack(long lo, long hi, long maxBytes) throws IOException {
    List<WalEntry> read = wal.readEntries(lo, hi, maxBytes);
    List<Entry> out = new ArrayList<>(read.size());
    for (WalEntry e : read) {
      out.add(fromWal(e));
    }
    return out;
  }

  private static Entry fromWal(WalEntry e) {
    return Entry.newBuilder().setIndex(e.index()).setTerm(e.term()).setType(Entry.Type.forNumber(e.type()))
        .setData(e.data()).build();
  }

  /**
   * Opens the member's log. A new member writes etcd's bootstrap: one ConfChange per initial member
   * at term 1, committed. A restarting member loads the newest valid snapshot the WAL still covers
   * (falling back to older ones) and the entries after it.
   */
  static DurableLog open(Path walDir, Path snapDir, int maxSnapshots, byte[] metadata,
      List<io.cairn.proto.serverpb.MemberRecord> initialMembers, LongConsumer fsyncNanos, long catchUpEntries)
      throws IOException {
    DurableLog log = open(walDir, snapDir, maxSnapshots, metadata, initialMembers, fsyncNanos);
    log.catchUpEntries = Math.max(0, catchUpEntries);
    return log;
  }

  private static DurableLog open(Path walDir, Path snapDir, int maxSnapshots, byte[] metadata,
      List<io.cairn.proto.serverpb.MemberRecord> initialMembers, LongConsumer fsyncNanos) throws IOException {
    SnapshotFiles snaps = new SnapshotFiles(snapDir, maxSnapshots);
    snaps.removeOrphans();
    boolean restart = Wal.exists(walDir);
    Wal wal = Wal.open(walDir, WalOptions.defaults().withSegmentSizeBytes(segmentBytes()).withMetadata(metadata)
        .withFsyncListener(fsyncNanos));
    try {
      if (!restart) {
        return bootstrap(wal, snaps, initialMembers);
      }
      SnapshotRecord rec = pickSnapshot(wal, snaps);
      Snapshot snap = rec == null ? null : rec.getSnapshot();
      WalContents contents = wal.readAll(snap == null ? 0 : snap.getMetadata().getIndex());
      if (!Arrays.equals(contents.metadata(), metadata)) {
        throw new IOException("the WAL in " + walDir + " belongs to another member or cluster");
      }
      DurableLog log = restore(wal, snaps, snap, contents);
      log.restartedFrom = rec;
      return log;
    } catch (IOException | RuntimeException e) {
      wal.close();
      throw e;
    }
  }

  /**
   * The snapshot to restart from: the newest valid one that the WAL records (etcd's rule: a snapshot file saved just
   * before a crash, whose WAL marker never made it, must not be loaded: its index may be past the recorded commit)
   * and whose successors the WAL still holds; or null to replay the WAL from its start.
   */
  private static SnapshotRecord pickSnapshot(Wal wal, SnapshotFiles snaps) throws IOException {
    List<WalSnapshot> recorded = wal.snapshotMarkers();
    for (SnapshotRecord s : snaps.loadNewestFirst()) {
      long idx = s.getSnapshot().getMetadata().getIndex();
      if (!recorded.contains(new WalSnapshot(idx, s.getSnapshot().getMetadata().getTerm()))) {
        LOG.warn("snapshot at index {} is not recorded in the WAL (a crash before its marker was written); skipping it",
            idx);
        continue;
      }
      try {
        wal.readAll(idx);
        return s;
      } catch (IllegalStateException notCovered) {
        LOG.warn("snapshot at index {} is not covered by the WAL; trying an older one", idx);
      }
    }
    try {
      wal.readAll(0);
      return null;
    } catch (IllegalStateException e) {
      throw new IOException("no valid snapshot covers the start of the WAL (snapshots in the snap directory are"
          + " missing or corrupt): refusing to start; restore the member from a backup or re-add it", e);
    }
  }

  private static DurableLog bootstrap(Wal wal, SnapshotFiles snaps, List<io.cairn.proto.serverpb.MemberRecord> members)
      throws IOException {
    if (members.isEmpty()) {
      // joining an existing cluster: the log and the configuration come from the leader
      wal.sync();
      LOG.info("new raft log for a member joining an existing cluster");
      return new DurableLog(wal, snaps);
    }
    List<Entry> entries = new ArrayList<>();
    long index = 0;
    for (io.cairn.proto.serverpb.MemberRecord m : members) {
      ConfChange cc = ConfChange.newBuilder().setType(io.cairn.proto.raftpb.ConfChangeType.ADD_NODE)
          .setNodeId(m.getId()).setContext(m.toByteString()).build();
      entries.add(Entry.newBuilder().setTerm(1).setIndex(++index).setType(Entry.Type.CONF_CHANGE)
          .setData(cc.toByteString()).build());
    }
    HardState hs = HardState.newBuilder().setTerm(1).setCommit(index).build();
    wal.save(toWal(entries), new WalHardState(1, 0, index), true);
    DurableLog log = new DurableLog(wal, snaps);
    log.view.append(entries);
    log.view.setHardState(hs);
    LOG.info("bootstrapped a new raft log with {} member(s)", members.size());
    return log;
  }

  private static DurableLog restore(Wal wal, SnapshotFiles snaps, Snapshot snap, WalContents contents) {
    DurableLog log = new DurableLog(wal, snaps);
    WalBackedStorage view = log.view;
    long from = 0;
    if (snap != null) {
      view.applySnapshot(snap);
      from = snap.getMetadata().getIndex();
    }
    wal.forgetEntriesBelow(from + 1);
    List<Entry> entries = new ArrayList<>(contents.entries().size());
    for (WalEntry e : contents.entries()) {
      if (e.index() > from) {
        entries.add(fromWal(e));
      }
    }
    view.append(entries);
    WalHardState w = contents.hardState();
    view.setHardState(HardState.newBuilder().setTerm(w.term()).setVote(w.vote()).setCommit(w.commit()).build());
    LOG.info("restored raft log: snapshot index {}, {} entries ({} of them in memory), term {}, commit {}", from,
        entries.size(), view.cachedEntries(), w.term(), w.commit());
    return log;
  }

  /** The index of the last entry in the log (the snapshot's if the log holds none after it). */
  long lastIndex() {
    return view.lastIndex();
  }

  /** The snapshot index raft restarts from (0 if none). */
  long snapshotIndex() {
    return view.snapshot().getMetadata().getIndex();
  }

  /** The snapshot this member restarted from, or null (a new member, or a WAL replayed from its start). */
  SnapshotRecord restartedFrom() {
    return restartedFrom;
  }

  /**
   * Deletes the checkpoints of pruned snapshots. Safe off the raft thread: it only lists the snap directory and
   * removes checkpoints no snapshot file names.
   */
  void removeUnusedCheckpoints() throws IOException {
    snapshots.removeUnreferencedCheckpoints();
  }

  /** The checkpoint directory of {@code rec}. */
  Path checkpointOf(SnapshotRecord rec) {
    return snapshots.checkpointOf(rec);
  }

  /** Persists what a Ready without a snapshot carries: one WAL write, one fsync when it must sync. */
  void persist(Ready rd) throws IOException {
    if (rd.snapshot() != null) {
      throw new IllegalStateException("a Ready with a snapshot needs the snapshot's checkpoint");
    }
    persist(rd, null);
  }

  /**
   * Persists what a Ready carries: one WAL write, one fsync when it must sync; then the read view. A snapshot from
   * the leader comes with {@code received}, its checkpoint (already in the snap directory and sealed): the snapshot
   * file naming it is written first, then the WAL marker with the entries and hard state (only snapshots the WAL
   * records are loaded at restart), then the read view.
   */
  void persist(Ready rd, ReceivedCheckpoint received) throws IOException {
    HardState hs = rd.hardState();
    WalHardState whs = hs == null ? null : new WalHardState(hs.getTerm(), hs.getVote(), hs.getCommit());
    Snapshot snap = rd.snapshot();
    if (snap != null) {
      // the store is at least at the snapshot's index once installed; a restart finding it behind restores it from
      // this checkpoint
      snapshots.save(SnapshotRecord.newBuilder().setSnapshot(snap).setCheckpoint(received.dir().getFileName().toString())
          .addAllFiles(received.files()).setStoreIndex(Math.max(snap.getMetadata().getIndex(), received.storeIndex()))
          .build());
      wal.save(toWal(rd.entries()), whs,
          new WalSnapshot(snap.getMetadata().getIndex(), snap.getMetadata().getTerm()), true);
      view.applySnapshot(snap);
      wal.forgetEntriesBelow(snap.getMetadata().getIndex() + 1);
    } else if (!rd.entries().isEmpty() || whs != null || rd.mustSync()) {
      wal.save(toWal(rd.entries()), whs, rd.mustSync());
    }
    view.append(rd.entries());
    if (hs != null) {
      view.setHardState(hs);
    }
  }

  /**
   * Moves a checkpoint received from the leader for a snapshot at {@code index} to where this member keeps its
   * snapshots' checkpoints, before the snapshot is persisted.
   */
  ReceivedCheckpoint adopt(ReceivedCheckpoint received, long index) throws IOException {
    Path target = snapshots.checkpointFor(index);
    Checkpoints.deleteTree(target);
    java.nio.file.Files.move(received.dir(), target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    Checkpoints.syncDir(target.getParent());
    return new ReceivedCheckpoint(target, received.files(), received.storeIndex());
  }

  /**
   * Records a snapshot at {@code index} whose store checkpoint ({@code checkpoint}, sealed, holding the store at
   * least through {@code storeIndex}) is already on disk, and drops the log behind it: snapshot file first, then
   * the WAL marker, then the read view, then the WAL segments behind the oldest snapshot kept.
   */
  void snapshotAt(long index, ConfState cs, ByteString membership, Path checkpoint, long storeIndex,
      List<io.cairn.proto.serverpb.CheckpointFile> files) throws IOException {
    if (index <= snapshotIndex()) {
      Checkpoints.deleteTree(checkpoint); // a snapshot from the leader overtook this one
      return;
    }
    Snapshot snap = view.createSnapshot(index, cs, membership);
    snapshots.save(SnapshotRecord.newBuilder().setSnapshot(snap).setCheckpoint(checkpoint.getFileName().toString())
        .setStoreIndex(storeIndex).addAllFiles(files).build());
    wal.save(List.of(), null, new WalSnapshot(index, snap.getMetadata().getTerm()), true);
    // etcd keeps 5,000 entries behind the snapshot: a follower a little behind gets entries, not the whole store
    long compactTo = index - catchUpEntries;
    if (compactTo >= view.firstIndex()) {
      view.compact(compactTo);
      wal.forgetEntriesBelow(view.firstIndex());
    }
    // entries the read view still offers are read back from the WAL: their segments stay
    wal.releaseTo(Math.min(snapshots.oldestRetainedIndex(), view.firstIndex()));
  }

  private static List<WalEntry> toWal(List<Entry> entries) {
    List<WalEntry> out = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      out.add(new WalEntry(e.getIndex(), e.getTerm(), e.getTypeValue(), e.getData()));
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    wal.close();
  }
}
