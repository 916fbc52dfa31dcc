package io.cairn.storage.bench;

import io.cairn.storage.wal.Wal;
import io.cairn.storage.wal.WalEntry;
import io.cairn.storage.wal.WalHardState;
import io.cairn.storage.wal.WalOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The raft log's write path: one {@link Wal#save} of what a Ready carries, {@code batch} new 256-byte entries and
 * the hard state (commit moved), as {@code DurableLog.persist} writes it on the raft thread.
 *
 * <ul>
 *   <li>{@link #append}: {@code save(..., sync = false)}: encoding, CRCs and the write into the page cache.
 *   <li>{@link #appendSync}: {@code save(..., sync = true)}, as production calls it ({@code Ready.mustSync()} is
 *       true whenever there are new entries or a new term/vote): the same plus one fsync ({@code FileChannel.force})
 *       of the segment. This is the only fsync on a put's path: the MVCC store is opened with
 *       {@code syncWrites(false)}.
 * </ul>
 *
 * The WAL is opened with production's options: 64 MiB segments, preallocated with zeros when {@code preallocate}
 * is true (the default; {@code false} shows what the preallocation of each new segment costs, amortised). Once a
 * save fills a segment, the WAL seals it and creates the next inside that save, as in production. To bound the
 * disk space, segments behind the tail are released every 1024 saves ({@link Wal#releaseTo}, which production calls
 * after each snapshot); so at most about two segments exist. The directory is a temporary one, deleted in
 * {@link #tearDown}. Score: time per save; per entry it is the score divided by {@code batch}.
 * Run with {@code scripts/bench/jmh.sh storage WalBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class WalBench {
  @Param({"1", "64"})
  public int batch;

  @Param({"true", "false"})
  public boolean preallocate;

  private Path dir;
  private Wal wal;
  private byte[] data;
  private long term = 2;
  private int saves;
  private final List<WalEntry> entries = new ArrayList<>();

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("cairn-walbench");
    wal = Wal.open(dir.resolve("wal"), WalOptions.defaults().withPreallocate(preallocate));
    data = new byte[256];
    new Random(1).nextBytes(data);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    wal.close();
    BenchDirs.delete(dir);
  }

  @Benchmark
  public long append() throws IOException {
    return save(false);
  }

  @Benchmark
  public long appendSync() throws IOException {
    return save(true);
  }

  private long save(boolean sync) throws IOException {
    long first = wal.lastIndex() + 1;
    entries.clear();
    for (int i = 0; i < batch; i++) {
      entries.add(new WalEntry(first + i, term, 0, data));
    }
    long last = first + batch - 1;
    // the leader's Ready: new entries plus the commit they move (one behind, as acks arrive a round later)
    wal.save(entries, new WalHardState(term, 1, last - 1), sync);
    if (++saves % 1024 == 0) {
      wal.releaseTo(last);
    }
    return last;
  }
}
