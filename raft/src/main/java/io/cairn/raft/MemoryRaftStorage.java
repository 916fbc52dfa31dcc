package io.cairn.raft;

import io.cairn.proto.raftpb.ConfState;
import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.raftpb.HardState;
import io.cairn.proto.raftpb.Snapshot;
import io.cairn.proto.raftpb.SnapshotMetadata;
import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;

/**
 * An in-memory {@link RaftStorage} with the write-side operations an application needs. Not
 * thread-safe. Invariant: {@code ents.get(0)} is a dummy entry carrying the snapshot's index and
 * term, so {@code ents.get(i - offset())} is entry i for every stored i.
 */
public final class MemoryRaftStorage implements RaftStorage {
  private HardState hardState = HardState.getDefaultInstance();
  private Snapshot snapshot = Snapshot.newBuilder()
      .setMetadata(SnapshotMetadata.newBuilder().setConfState(ConfState.getDefaultInstance()))
      .build();
  private final ArrayList<Entry> ents = new ArrayList<>();

  public MemoryRaftStorage() {
    ents.add(Entry.getDefaultInstance());
  }

  /** A storage for a brand-new cluster member whose initial configuration is {@code cs}. */
  public static MemoryRaftStorage bootstrap(ConfState cs) {
    MemoryRaftStorage s = new MemoryRaftStorage();
    s.snapshot = Snapshot.newBuilder()
        .setMetadata(SnapshotMetadata.newBuilder().setConfState(cs)).build();
    return s;
  }

  private long offset() {
    return ents.get(0).getIndex();
  }

  @Override
  public InitialState initialState() {
    return new InitialState(hardState, snapshot.getMetadata().getConfState());
  }

  public void setHardState(HardState hs) {
    this.hardState = hs;
  }

  public HardState hardState() {
    return hardState;
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    long off = offset();
    if (lo <= off) {
      throw new RaftException(RaftException.Code.COMPACTED, "entries lo=" + lo + " <= " + off);
    }
    if (hi > lastIndex() + 1) {
      throw new RaftException(RaftException.Code.UNAVAILABLE,
          "entries hi=" + hi + " > last+1=" + (lastIndex() + 1));
    }
    return Entries.limitSize(new ArrayList<>(ents.subList((int) (lo - off), (int) (hi - off))),
        maxBytes);
  }

  @Override
  public long term(long i) {
    long off = offset();
    if (i < off) {
      throw new RaftException(RaftException.Code.COMPACTED, "term " + i + " < " + off);
    }
    if (i - off >= ents.size()) {
      throw new RaftException(RaftException.Code.UNAVAILABLE, "term " + i + " > " + lastIndex());
    }
    return ents.get((int) (i - off)).getTerm();
  }

  @Override
  public long firstIndex() {
    return offset() + 1;
  }

  @Override
  public long lastIndex() {
    return offset() + ents.size() - 1;
  }

  @Override
  public Snapshot snapshot() {
    return snapshot;
  }

  /** Replaces the whole contents with a snapshot (installed from the leader). */
  public void applySnapshot(Snapshot snap) {
    long idx = snap.getMetadata().getIndex();
    if (idx <= snapshot.getMetadata().getIndex()) {
      throw new RaftException(RaftException.Code.SNAP_OUT_OF_DATE,
          "snapshot " + idx + " <= " + snapshot.getMetadata().getIndex());
    }
    snapshot = snap;
    ents.clear();
    ents.add(Entry.newBuilder().setIndex(idx).setTerm(snap.getMetadata().getTerm()).build());
  }

  /**
   * Records a snapshot of the application state at {@code index} (which must be applied and
   * stored); call {@link #compact} afterwards to drop the log below it.
   */
  public Snapshot createSnapshot(long index, ConfState cs, ByteString data) {
    if (index <= snapshot.getMetadata().getIndex()) {
      throw new RaftException(RaftException.Code.SNAP_OUT_OF_DATE, "snapshot " + index);
    }
    if (index > lastIndex()) {
      throw new RaftException(RaftException.Code.UNAVAILABLE, "snapshot " + index);
    }
    SnapshotMetadata.Builder md = SnapshotMetadata.newBuilder()
        .setIndex(index).setTerm(term(index));
    if (cs != null) {
      md.setConfState(cs);
    }
    snapshot = Snapshot.newBuilder().setMetadata(md).setData(data).build();
    return snapshot;
  }

  /** Discards entries up to and including {@code compactIndex}, which must be stored. */
  public void compact(long compactIndex) {
    long off = offset();
    if (compactIndex <= off) {
      throw new RaftException(RaftException.Code.COMPACTED, "compact " + compactIndex);
    }
    if (compactIndex > lastIndex()) {
      throw new RaftException(RaftException.Code.UNAVAILABLE, "compact " + compactIndex);
    }
    int i = (int) (compactIndex - off);
    Entry dummy = Entry.newBuilder().setIndex(compactIndex).setTerm(ents.get(i).getTerm()).build();
    ArrayList<Entry> rest = new ArrayList<>(ents.subList(i + 1, ents.size()));
    ents.clear();
    ents.add(dummy);
    ents.addAll(rest);
  }

  /**
   * Appends entries; an entry at index i replaces i and everything after it. Entries already
   * compacted are ignored. The new entries must be contiguous with the stored log.
   */
  public void append(List<Entry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    long first = firstIndex();
    long last = entries.get(entries.size() - 1).getIndex();
    if (last < first) {
      return;
    }
    List<Entry> es = entries;
    if (first > es.get(0).getIndex()) {
      es = es.subList((int) (first - es.get(0).getIndex()), es.size());
    }
    long off = es.get(0).getIndex() - offset();
    if (off > ents.size()) {
      throw new RaftException(RaftException.Code.UNAVAILABLE,
          "missing log entry: last " + lastIndex() + ", append at " + es.get(0).getIndex());
    }
    // Truncate the conflicting (or re-sent) suffix, then append.
    while (ents.size() > off) {
      ents.remove(ents.size() - 1);
    }
    ents.addAll(es);
  }
}
