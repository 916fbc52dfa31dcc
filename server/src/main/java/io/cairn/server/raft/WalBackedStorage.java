package io.cairn.server.raft;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.ConfState;
import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.raftpb.HardState;
import io.cairn.proto.raftpb.Snapshot;
import io.cairn.proto.raftpb.SnapshotMetadata;
import io.cairn.raft.Entries;
import io.cairn.raft.RaftException;
import io.cairn.raft.RaftStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Raft's read view of the durable log, as {@link io.cairn.raft.MemoryRaftStorage} but holding only the newest
 * entries whole: the snapshot, the hard state and every entry's term stay in memory, while the bodies of entries
 * older than the newest {@code cacheBytes} are read back from the WAL when asked for (by a follower that fell
 * behind, or an apply loop that did). etcd keeps every entry since the last snapshot plus 5,000 behind it in memory;
 * under writes of a few KiB that was most of a member's heap.
 *
 * <p>Invariants: {@code terms[i - offset]} is the term of entry {@code i} for {@code offset <= i <= lastIndex()}
 * (slot 0 is the snapshot or compaction point); {@code cached} holds entries {@code [cachedFirst, lastIndex()]} in
 * order, with {@code offset < cachedFirst <= lastIndex() + 1}; every entry in {@code (offset, cachedFirst)} is in
 * the WAL, because an entry reaches this view only after the WAL saved it. Only the raft thread uses it.
 */
final class WalBackedStorage implements RaftStorage {

  /** Reads entries {@code [lo, hi)} back from the WAL, at least one, at most about {@code maxBytes}. */
  interface EntrySource {
    List<Entry> read(long lo, long hi, long maxBytes) throws IOException;
  }

  private final EntrySource wal;
  private final long cacheBytes;
  private HardState hardState = HardState.getDefaultInstance();
  private Snapshot snapshot = Snapshot.newBuilder()
      .setMetadata(SnapshotMetadata.newBuilder().setConfState(ConfState.getDefaultInstance())).build();
  private long offset;
  private long[] terms = new long[1024];
  private int termCount = 1;
  private final ArrayList<Entry> cached = new ArrayList<>();
  private long cachedFirst = 1;
  private long cachedSize;

  /** @param cacheBytes how much of the newest entries' data to keep in memory; older entries come from the WAL */
  WalBackedStorage(EntrySource wal, long cacheBytes) {
    this.wal = wal;
    this.cacheBytes = cacheBytes;
  }

  @Override
  public InitialState initialState() {
    return new InitialState(hardState, snapshot.getMetadata().getConfState());
  }

  void setHardState(HardState hs) {
    this.hardState = hs;
  }

  HardState hardState() {
    return hardState;
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    if (lo <= offset) {
      throw new RaftException(RaftException.Code.COMPACTED, "entries lo=" + lo + " <= " + offset);
    }
    if (hi > lastIndex() + 1) {
      throw new RaftException(RaftException.Code.UNAVAILABLE, "entries hi=" + hi + " > last+1=" + (lastIndex() + 1));
    }
    if (lo >= cachedFirst) {
      return Entries.limitSize(new ArrayList<>(cached.subList((int) (lo - cachedFirst), (int) (hi - cachedFirst))),
          maxBytes);
    }
    long walHi = Math.min(hi, cachedFirst);
    List<Entry> out;
    try {
      out = new ArrayList<>(wal.read(lo, walHi, maxBytes));
    } catch (IOException e) {
      throw new UncheckedIOException("reading raft entries " + lo + "-" + (walHi - 1) + " back from the WAL", e);
    }
    if (out.size() == walHi - lo && hi > cachedFirst) {
      out.addAll(cached.subList(0, (int) (hi - cachedFirst)));
    }
    return Entries.limitSize(out, maxBytes);
  }

  @Override
  public long term(long i) {
    if (i < offset) {
      throw new RaftException(RaftException.Code.COMPACTED, "term " + i + " < " + offset);
    }
    if (i - offset >= termCount) {
      throw new RaftException(RaftException.Code.UNAVAILABLE, "term " + i + " > " + lastIndex());
    }
    return terms[(int) (i - offset)];
  }

  @Override
  public long firstIndex() {
    return offset + 1;
  }

  @Override
  public long lastIndex() {
    return offset + termCount - 1;
  }

  @Override
  public Snapshot snapshot() {
    return snapshot;
  }

  /** Replaces the whole contents with a snapshot (installed from the leader). */
  void applySnapshot(Snapshot snap) {
    long idx = snap.getMetadata().getIndex();
    if (idx <= snapshot.getMetadata().getIndex()) {
      throw new RaftException(RaftException.Code.SNAP_OUT_OF_DATE,
          "snapshot " + idx + " <= " + snapshot.getMetadata().getIndex());
    }
    snapshot = snap;
    offset = idx;
    terms[0] = snap.getMetadata().getTerm();
    termCount = 1;
    cached.clear();
    cachedFirst = idx + 1;
    cachedSize = 0;
  }

  /** A snapshot of the application state at {@code index}, which must be stored; {@link #compact} follows. */
  Snapshot createSnapshot(long index, ConfState cs, ByteString data) {
    if (index <= snapshot.getMetadata().getIndex()) {
      throw new RaftException(RaftException.Code.SNAP_OUT_OF_DATE, "snapshot " + index);
    }
    if (index > lastIndex()) {
      throw new RaftException(RaftException.Code.UNAVAILABLE, "snapshot " + index);
    }
    SnapshotMetadata.Builder md = SnapshotMetadata.newBuilder().setIndex(index).setTerm(term(index));
    if (cs != null) {
      md.setConfState(cs);
    }
    snapshot = Snapshot.newBuilder().setMetadata(md).setData(data).build();
    return snapshot;
  }

  /** Discards entries up to and including {@code compactIndex}, which must be stored. */
  void compact(long compactIndex) {
    if (compactIndex <= offset) {
      throw new RaftException(RaftException.Code.COMPACTED, "compact " + compactIndex);
    }
    if (compactIndex > lastIndex()) {
      throw new RaftException(RaftException.Code.UNAVAILABLE, "compact " + compactIndex);
    }
    int drop = (int) (compactIndex - offset);
    System.arraycopy(terms, drop, terms, 0, termCount - drop);
    termCount -= drop;
    offset = compactIndex;
    if (cachedFirst <= compactIndex) {
      dropCached((int) (compactIndex + 1 - cachedFirst));
    }
  }

  /**
   * Appends entries the WAL has saved; an entry at index i replaces i and everything after it. Entries already
   * compacted are ignored. The new entries must be contiguous with the stored log.
   */
  void append(List<Entry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    long first = firstIndex();
    if (entries.get(entries.size() - 1).getIndex() < first) {
      return;
    }
    List<Entry> es = entries;
    if (first > es.get(0).getIndex()) {
      es = es.subList((int) (first - es.get(0).getIndex()), es.size());
    }
    long at = es.get(0).getIndex();
    if (at - offset > termCount) {
      throw new RaftException(RaftException.Code.UNAVAILABLE,
          "missing log entry: last " + lastIndex() + ", append at " + at);
    }
    termCount = (int) (at - offset); // the conflicting (or re-sent) suffix goes
    if (at < cachedFirst) {
      cached.clear();
      cachedSize = 0;
      cachedFirst = at;
    } else {
      List<Entry> gone = cached.subList((int) (at - cachedFirst), cached.size());
      for (Entry e : gone) {
        cachedSize -= weight(e);
      }
      gone.clear();
    }
    if (termCount + es.size() > terms.length) {
      terms = Arrays.copyOf(terms, Math.max(terms.length * 2, termCount + es.size()));
    }
    for (Entry e : es) {
      terms[termCount++] = e.getTerm();
      cached.add(e);
      cachedSize += weight(e);
    }
    if (cachedSize > cacheBytes) {
      evict();
    }
  }

  /** Drops the oldest cached entries down to three quarters of the budget, so eviction is not paid per append. */
  private void evict() {
    long target = cacheBytes / 4 * 3;
    int n = 0;
    long size = cachedSize;
    while (n < cached.size() && size > target) {
      size -= weight(cached.get(n));
      n++;
    }
    dropCached(n);
  }

  private void dropCached(int n) {
    List<Entry> gone = cached.subList(0, n);
    for (Entry e : gone) {
      cachedSize -= weight(e);
    }
    gone.clear();
    cachedFirst += n;
  }

  /** Entries cached in memory (for tests and the log's report). */
  int cachedEntries() {
    return cached.size();
  }

  private static long weight(Entry e) {
    return e.getData().size() + 32L;
  }
}
