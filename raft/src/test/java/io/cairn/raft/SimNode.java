package io.cairn.raft;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.ConfState;
import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.raftpb.HardState;
import io.cairn.proto.raftpb.Message;
import io.cairn.proto.raftpb.Snapshot;
import java.nio.ByteBuffer;

/**
 * One simulated server: a {@link RawNode}, a "disk" ({@link MemoryRaftStorage}, which survives
 * crashes; a commit-only hard state that was not fsynced does not), and a state machine that
 * folds applied commands into a hash chain. A slow disk keeps a Ready in flight for a while;
 * the node keeps stepping inputs meanwhile. A crash loses the RawNode, the in-flight Ready and
 * the state machine (rebuilt from the disk's snapshot on restart).
 */
final class SimNode {
  final long id;
  private final Simulation sim;
  private final RaftConfig baseConfig;
  final MemoryRaftStorage disk;
  private HardState unsyncedHs;
  RawNode rn;
  private Ready inFlight;
  boolean slowDisk;
  /** Snapshot at the next opportunity (after a membership change, so new members fit it). */
  private boolean snapshotSoon;

  long appliedIndex;
  long hash;
  ConfState confState;
  /** Highest commit index of this incarnation already checked against the committed log. */
  long checkedCommit;
  /** Highest term in which this node was checked for leader completeness. */
  long checkedLeaderTerm;

  SimNode(long id, Simulation sim, RaftConfig config, ConfState bootstrap) {
    this.id = id;
    this.sim = sim;
    this.baseConfig = config;
    this.disk = MemoryRaftStorage.bootstrap(bootstrap);
  }

  boolean hasInFlight() {
    return inFlight != null;
  }

  boolean isUp() {
    return rn != null;
  }

  Raft raft() {
    return rn.raft();
  }

  void start() {
    Snapshot snap = disk.snapshot();
    appliedIndex = snap.getMetadata().getIndex();
    hash = decodeHash(snap.getData());
    confState = snap.getMetadata().getConfState();
    rn = new RawNode(baseConfig.toBuilder().applied(appliedIndex).build(), disk);
    checkedCommit = appliedIndex;
    checkedLeaderTerm = 0;
    inFlight = null;
  }

  void crash() {
    rn = null;
    inFlight = null;
    unsyncedHs = null; // a commit-only hard state that was never fsynced is lost
  }

  void tick() {
    if (rn != null) {
      rn.tick();
      pump();
    }
  }

  void receive(Message m) {
    try {
      rn.step(m);
    } catch (RaftException e) {
      if (e.code() != RaftException.Code.STEP_PEER_NOT_FOUND
          && e.code() != RaftException.Code.PROPOSAL_DROPPED) {
        throw e;
      }
    }
    pump();
  }

  /** Takes Readies while possible: send what may go now, then persist (maybe slowly). */
  void pump() {
    while (rn != null && inFlight == null && rn.hasReady()) {
      Ready rd = rn.ready();
      sim.invariants.onReady(this, rd);
      for (Message m : rd.messages()) {
        sim.network.send(m);
      }
      long delay = slowDisk ? 1 + sim.rnd.nextInt(3 * Simulation.TICK) : 0;
      if (delay == 0) {
        finish(rd);
      } else {
        inFlight = rd;
        final RawNode incarnation = rn;
        sim.schedule(delay, () -> {
          if (rn == incarnation && inFlight == rd) {
            inFlight = null;
            finish(rd);
            pump();
          }
        });
        return;
      }
    }
  }

  private void finish(Ready rd) {
    // 1. persist
    if (rd.snapshot() != null) {
      sim.invariants.onSnapshotPersist(this, rd.snapshot());
      disk.applySnapshot(rd.snapshot());
    }
    if (!rd.entries().isEmpty()) {
      sim.invariants.onPersist(this, rd.entries());
      disk.append(rd.entries());
    }
    if (rd.mustSync()) {
      HardState hs = rd.hardState() != null ? rd.hardState() : unsyncedHs;
      if (hs != null) {
        disk.setHardState(hs);
      }
      unsyncedHs = null;
    } else if (rd.hardState() != null) {
      unsyncedHs = rd.hardState();
    }
    // 2. messages that needed the persist
    for (Message m : rd.messagesAfterPersist()) {
      sim.network.send(m);
    }
    // 3. apply
    if (rd.snapshot() != null) {
      Snapshot s = rd.snapshot();
      appliedIndex = s.getMetadata().getIndex();
      hash = decodeHash(s.getData());
      confState = s.getMetadata().getConfState();
    }
    for (Entry e : rd.committedEntries()) {
      apply(e);
    }
    for (ReadState rs : rd.readStates()) {
      sim.onReadState(this, rs);
    }
    rn.advance();
    maybeCompact();
  }

  private void apply(Entry e) {
    if (e.getIndex() != appliedIndex + 1) {
      sim.fail("node " + id + " applies index " + e.getIndex() + " after " + appliedIndex);
    }
    appliedIndex = e.getIndex();
    hash = mix(hash, e);
    sim.invariants.onApply(this, e, hash);
    if (e.getType() != Entry.Type.NORMAL) {
      confState = rn.applyConfChange(Raft.decodeConfChange(e));
      snapshotSoon = true;
      sim.onConfApplied(this, e.getIndex(), confState);
    } else if (!e.getData().isEmpty()) {
      sim.onCommandApplied(this, e.getData());
    }
  }

  /** Sometimes snapshot the state machine and drop the log below it. */
  private void maybeCompact() {
    long snapIndex = disk.snapshot().getMetadata().getIndex();
    boolean due = appliedIndex - snapIndex >= sim.compactEvery && sim.rnd.nextInt(4) == 0;
    if (appliedIndex <= snapIndex || !(due || snapshotSoon)) {
      return;
    }
    snapshotSoon = false;
    // The snapshot must not be ahead of the durable commit index.
    if (unsyncedHs != null) {
      disk.setHardState(unsyncedHs);
      unsyncedHs = null;
    }
    if (appliedIndex > disk.lastIndex()) {
      return;
    }
    disk.createSnapshot(appliedIndex, confState, encodeHash(appliedIndex, hash));
    long keep = sim.rnd.nextInt(4);
    long compactTo = appliedIndex - keep;
    if (compactTo >= disk.firstIndex()) {
      disk.compact(compactTo);
    }
  }

  static long mix(long h, Entry e) {
    long x = h * 0x9E3779B97F4A7C15L + e.getIndex();
    x ^= e.getData().hashCode() * 0xC2B2AE3D27D4EB4FL + e.getType().getNumber();
    return Long.rotateLeft(x, 31) * 0x165667B19E3779F9L;
  }

  private static ByteString encodeHash(long index, long h) {
    return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(index).putLong(h).array());
  }

  private static long decodeHash(ByteString b) {
    return b.size() < 16 ? 0 : b.asReadOnlyByteBuffer().getLong(8);
  }
}
