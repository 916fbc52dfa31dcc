package io.cairn.server.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.raftpb.Snapshot;
import io.cairn.proto.raftpb.SnapshotMetadata;
import io.cairn.raft.MemoryRaftStorage;
import io.cairn.raft.RaftException;
import io.cairn.storage.wal.Wal;
import io.cairn.storage.wal.WalEntry;
import io.cairn.storage.wal.WalOptions;
import io.cairn.storage.wal.WalSnapshot;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAL-backed read view answers every question exactly as the in-memory storage it replaces (raft's
 * {@link MemoryRaftStorage}, the model), whatever part of the log it holds in memory.
 */
class WalBackedStorageTest {

  @TempDir
  Path tmp;

  @Test
  void answersAsTheInMemoryStorageUnderRandomAppendsConflictsCompactionsAndSnapshots() throws IOException {
    long seed = Long.getLong("walBackedStorage.seed", System.nanoTime());
    Random rnd = new Random(seed);
    String replay = "replay with -DwalBackedStorage.seed=" + seed;
    for (int round = 0; round < 10; round++) {
      try (Wal wal = Wal.open(tmp.resolve("r" + round), WalOptions.defaults().withSegmentSizeBytes(2048))) {
        // from no cache at all to one that holds everything
        long cacheBytes = List.of(0L, 300L, 3_000L, 1L << 30).get(rnd.nextInt(4));
        WalBackedStorage view = new WalBackedStorage((lo, hi, max) -> fromWal(wal.readEntries(lo, hi, max)),
            cacheBytes);
        MemoryRaftStorage model = new MemoryRaftStorage();
        long term = 1;
        for (int step = 0; step < 200; step++) {
          String at = replay + ", round " + round + ", step " + step + ", cache " + cacheBytes;
          int op = rnd.nextInt(20);
          long last = model.lastIndex();
          if (op < 12 || last < model.firstIndex()) {
            append(wal, view, model, entries(rnd, last + 1, 1 + rnd.nextInt(8), term));
          } else if (op < 16) {
            long from = Math.max(model.firstIndex(), last - rnd.nextInt(6));
            term++;
            append(wal, view, model, entries(rnd, from, 1 + rnd.nextInt(4), term));
          } else if (op < 19) {
            long to = model.firstIndex() + rnd.nextInt((int) (last - model.firstIndex() + 1));
            model.compact(to);
            view.compact(to);
            wal.forgetEntriesBelow(to + 1);
          } else {
            long idx = last + 1 + rnd.nextInt(4);
            Snapshot snap = Snapshot.newBuilder().setMetadata(SnapshotMetadata.newBuilder().setIndex(idx)
                .setTerm(term)).build();
            wal.save(List.of(), null, new WalSnapshot(idx, term), true);
            model.applySnapshot(snap);
            view.applySnapshot(snap);
            wal.forgetEntriesBelow(idx + 1);
          }
          assertSame(rnd, view, model, at);
        }
      }
    }
  }

  @Test
  void aDamagedRecordStopsTheReadInsteadOfAnsweringWithOtherBytes() throws IOException {
    WalBackedStorage view = new WalBackedStorage((lo, hi, max) -> {
      throw new io.cairn.storage.wal.WalCorruptionException(tmp, 0, "checksum mismatch");
    }, 0);
    view.append(List.of(entry(1, 1, "a"), entry(2, 1, "b")));
    assertThat(view.cachedEntries()).isZero();
    assertThat(view.term(2)).isEqualTo(1);
    assertThatThrownBy(() -> view.entries(1, 3, Long.MAX_VALUE)).isInstanceOf(java.io.UncheckedIOException.class)
        .hasMessageContaining("raft entries 1-2");
  }

  private static void append(Wal wal, WalBackedStorage view, MemoryRaftStorage model, List<Entry> es)
      throws IOException {
    List<WalEntry> w = new ArrayList<>();
    for (Entry e : es) {
      w.add(new WalEntry(e.getIndex(), e.getTerm(), e.getTypeValue(), e.getData()));
    }
    wal.save(w, null, false);
    model.append(es);
    view.append(es);
  }

  private static void assertSame(Random rnd, WalBackedStorage view, MemoryRaftStorage model, String at) {
    assertThat(view.firstIndex()).as(at).isEqualTo(model.firstIndex());
    assertThat(view.lastIndex()).as(at).isEqualTo(model.lastIndex());
    assertThat(view.snapshot()).as(at).isEqualTo(model.snapshot());
    for (long i = model.firstIndex() - 1; i <= model.lastIndex(); i++) {
      assertThat(view.term(i)).as(at + ", term " + i).isEqualTo(model.term(i));
    }
    long first = model.firstIndex();
    long end = model.lastIndex() + 1;
    if (end > first) {
      assertThat(view.entries(first, end, Long.MAX_VALUE)).as(at).containsExactlyElementsOf(
          model.entries(first, end, Long.MAX_VALUE));
      long lo = first + rnd.nextInt((int) (end - first));
      long hi = lo + 1 + rnd.nextInt((int) (end - lo));
      long max = rnd.nextInt(400);
      List<Entry> got = view.entries(lo, hi, max);
      List<Entry> want = model.entries(lo, hi, max);
      // the WAL may stop a little earlier (it counts record bytes); never later, and never at nothing
      assertThat(got).as(at + ", entries(" + lo + ", " + hi + ", " + max + ")").isNotEmpty()
          .hasSizeLessThanOrEqualTo(want.size()).containsExactlyElementsOf(want.subList(0, got.size()));
    }
    assertThatThrownBy(() -> view.entries(first - 1, end, Long.MAX_VALUE)).isInstanceOf(RaftException.class);
    assertThatThrownBy(() -> view.term(model.lastIndex() + 1)).isInstanceOf(RaftException.class);
  }

  private static List<Entry> entries(Random rnd, long from, int n, long term) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] data = new byte[rnd.nextInt(200)];
      rnd.nextBytes(data);
      out.add(Entry.newBuilder().setIndex(from + i).setTerm(term).setData(ByteString.copyFrom(data)).build());
    }
    return out;
  }

  private static Entry entry(long index, long term, String data) {
    return Entry.newBuilder().setIndex(index).setTerm(term).setData(ByteString.copyFromUtf8(data)).build();
  }

  private static List<Entry> fromWal(List<WalEntry> es) {
    List<Entry> out = new ArrayList<>();
    for (WalEntry e : es) {
      out.add(Entry.newBuilder().setIndex(e.index()).setTerm(e.term()).setTypeValue(e.type()).setData(e.data())
          .build());
    }
    return out;
  }
}
