package io.cairn.storage.wal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Write-ahead log for Raft entries, hard state and snapshot markers: segmented, append-only, CRC-32C chained
 * files (format and recovery rules in storage/WAL.md).
 *
 * <p>Usage: {@link #open} (creates the WAL if the directory has none), {@link #readAll} once to rebuild Raft's
 * storage, then {@link #save} for every Raft Ready and {@link #releaseTo} after snapshots. Not thread-safe and
 * starts no threads: the Raft driver thread makes every call.
 *
 * <p>After any I/O error while writing, the WAL refuses further writes: what reached the file is unknown and a
 * failed fsync cannot simply be retried (the kernel may already have dropped the dirty pages). The server should
 * stop and replay on restart.
 */
public final class Wal implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(Wal.class);
    static final String LOCK_FILE = "LOCK";

    private final Path dir;
    private final WalOptions options;
    private final FileChannel lockChannel;
    private final List<SegmentFile.Name> segments;
    private final RecordCodec.Encoder encoder = new RecordCodec.Encoder();
    /** Volatile only for a simulated power loss, which reads it from another thread. */
    private volatile SegmentWriter writer;
    /** What open read; dropped at the first save, after which it no longer describes the log. */
    private Replay replay;
    private byte[] metadata;
    private WalHardState hardState;
    private WalSnapshot snapshot;
    private long lastIndex;
    /** Where each live entry lies, for {@link #readEntries}. */
    private final EntryPositions positions;
    private final EntryReader reader = new EntryReader();
    private Throwable failure;
    private boolean closed;

    private Wal(Path dir, WalOptions options, FileChannel lockChannel, List<SegmentFile.Name> segments,
            SegmentWriter writer, Replay replay) {
        this.dir = dir;
        this.options = options;
        this.lockChannel = lockChannel;
        this.segments = segments;
        this.writer = writer;
        this.replay = replay;
        this.metadata = replay.metadata;
        this.hardState = replay.hardState;
        this.snapshot = replay.snapshot;
        this.lastIndex = replay.lastIndex;
        this.positions = replay.positions;
        io.cairn.storage.failpoint.Failpoints.onPowerLoss(this::dropUnsynced);
    }

    /** Simulated power loss: the tail segment's unsynced bytes are zeroed and nothing more is written. */
    private void dropUnsynced() throws IOException {
        SegmentWriter w = writer;
        if (w != null) {
            w.dropUnsynced();
        }
    }

    /** Whether {@code dir} holds a WAL (at least one segment), i.e. whether this member is restarting. */
    public static boolean exists(Path dir) throws IOException {
        return Files.isDirectory(dir) && !SegmentFile.list(dir).isEmpty();
    }

    /**
     * Opens the WAL in {@code dir}, creating the directory and a first segment (holding
     * {@link WalOptions#metadata()}) if there is none. Reads and verifies every segment; a torn tail in the last
     * segment is cut off (and logged), any other damage fails with {@link WalCorruptionException}. The directory
     * is locked until {@link #close()}.
     */
    public static Wal open(Path dir, WalOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        Path abs = dir.toAbsolutePath();
        if (!Files.isDirectory(abs)) {
            Files.createDirectories(abs);
            SegmentFile.fsyncDir(abs.getParent());
        }
        FileChannel lockChannel = FileChannel.open(abs.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        try {
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IOException("WAL directory " + abs + " is in use by another WAL instance or process");
            }
            return openLocked(abs, options, lockChannel);
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(lockChannel, e);
            throw e;
        }
    }

    private static Wal openLocked(Path dir, WalOptions options, FileChannel lockChannel) throws IOException {
        SegmentFile.deleteTemps(dir);
        List<SegmentFile.Name> names = new ArrayList<>(SegmentFile.list(dir));
        Replay replay = new Replay();
        if (names.isEmpty()) {
            RecordCodec.Encoder enc = new RecordCodec.Encoder();
            enc.reset(0);
            enc.segmentHeader(0, 1, 0);
            replay.metadata = options.metadata();
            if (replay.metadata.length > 0) {
                enc.metadata(replay.metadata);
            }
            SegmentFile.Name first = SegmentFile.create(dir, 0, 1, enc.buffer(), preallocateTo(options, 0));
            names.add(first);
            SegmentWriter w = SegmentWriter.open(first, enc.size(), enc.crc(), enc.lastRecordStart(),
                    options.fsyncListener());
            LOG.info("created WAL in {}", dir);
            return new Wal(dir, options, lockChannel, names, w, replay);
        }
        SegmentReader.Result r = null;
        for (int i = 0; i < names.size(); i++) {
            SegmentFile.Name n = names.get(i);
            if (i > 0 && n.seq() != names.get(i - 1).seq() + 1) {
                throw new WalCorruptionException(n.path(), 0, "segment sequence gap: expected seq "
                        + (names.get(i - 1).seq() + 1) + " after " + names.get(i - 1).path().getFileName());
            }
            replay.beginSegment(n, r == null ? null : r.lastCrc());
            try (SegmentReader reader = new SegmentReader(n.path())) {
                r = reader.scan(i == names.size() - 1, replay);
            }
        }
        SegmentFile.Name tail = names.get(names.size() - 1);
        SegmentWriter w = SegmentWriter.open(tail, r.validEnd(), r.lastCrc(), r.lastRecordOffset(),
                options.fsyncListener());
        try {
            if (r.tornReason() != null) {
                LOG.warn("WAL segment {}: torn write at byte offset {} ({}); discarding the last {} bytes, which"
                        + " were never acknowledged as durable", tail.path(), r.validEnd(), r.tornReason(),
                        r.fileSize() - r.validEnd());
                w.discardTail(r.validEnd(), options.preallocate()
                        ? Math.max(options.segmentSizeBytes(), r.fileSize()) : r.validEnd());
            }
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(w, e);
            throw e;
        }
        LOG.info("opened WAL in {}: {} segment(s), last index {}, hard state {}, snapshot {}", dir, names.size(),
                replay.lastIndex, replay.hardState, replay.snapshot);
        return new Wal(dir, options, lockChannel, names, w, replay);
    }

    /**
     * What open read: metadata, latest hard state, latest snapshot marker, and the live entries after
     * {@code fromSnapshotIndex} (the index of the snapshot the caller restores from, 0 if none). Only available
     * until the first {@link #save}.
     *
     * @throws IllegalStateException if called after a save, or if the WAL lacks entries right after
     *     {@code fromSnapshotIndex} (its log starts later: the caller's snapshot is too old)
     */
    public WalContents readAll(long fromSnapshotIndex) {
        if (replay == null) {
            throw new IllegalStateException("readAll is only available between open and the first save");
        }
        return replay.contents(fromSnapshotIndex);
    }

    /**
     * etcd's valid snapshot entries: every snapshot marker the WAL records, oldest first, whose index the recorded
     * hard state has committed. A snapshot file the WAL does not record (a crash between saving the file and the
     * marker) must not be loaded. Only available until the first {@link #save}.
     */
    public List<WalSnapshot> snapshotMarkers() {
        if (replay == null) {
            throw new IllegalStateException("snapshotMarkers is only available between open and the first save");
        }
        long commit = replay.hardState.commit();
        return replay.snapshots.stream().filter(s -> s.index() <= commit).toList();
    }

    /** Group commit without a snapshot marker; see {@link #save(List, WalHardState, WalSnapshot, boolean)}. */
    public void save(List<WalEntry> entries, WalHardState hardState, boolean sync) throws IOException {
        save(entries, hardState, null, sync);
    }

    /**
     * Writes what one Raft Ready carries in a single write: the snapshot marker (if any), then the entries, then
     * the hard state (if any), so that a torn write never leaves a commit index beyond the entries it covers.
     * Entries must be contiguous and may start at or below the current end ({@link #lastIndex()} + 1), which
     * replaces the log from that index on. With {@code sync}, one fsync makes the whole batch durable before
     * returning; once a save takes the segment past its size, it is sealed (fsynced) and a new one started.
     *
     * @param entries may be empty or null
     * @param hardState null or {@link WalHardState#EMPTY} for none
     * @param snapshot null or {@link WalSnapshot#NONE} for none
     */
    public void save(List<WalEntry> entries, WalHardState hardState, WalSnapshot snapshot, boolean sync)
            throws IOException {
        checkWritable();
        List<WalEntry> ents = entries == null ? List.of() : entries;
        boolean withSnapshot = snapshot != null && !snapshot.isNone();
        boolean withHardState = hardState != null && !hardState.isEmpty();
        long newLast = withSnapshot ? Math.max(lastIndex, snapshot.index()) : lastIndex;
        for (int i = 0; i < ents.size(); i++) {
            WalEntry e = Objects.requireNonNull(ents.get(i), "entry");
            if (i == 0 && e.index() > newLast + 1) {
                throw new IllegalArgumentException("first entry index " + e.index() + " leaves a gap after last index "
                        + newLast);
            }
            if (i > 0 && e.index() != ents.get(i - 1).index() + 1) {
                throw new IllegalArgumentException("entries are not contiguous at index " + e.index());
            }
        }
        replay = null;
        encoder.reset(writer.lastCrc());
        if (withSnapshot) {
            encoder.snapshot(snapshot);
        }
        for (WalEntry e : ents) {
            encoder.entry(e);
        }
        if (withHardState) {
            encoder.hardState(hardState);
        }
        try {
            long start = writer.append(encoder);
            for (int k = 0; k < ents.size(); k++) {
                positions.add(ents.get(k).index(), writer.name().seq(), start + encoder.entryStart(k),
                        encoder.entryLength(k), encoder.entrySeed(k));
            }
            if (withSnapshot) {
                this.snapshot = snapshot;
            }
            this.lastIndex = ents.isEmpty() ? newLast : ents.get(ents.size() - 1).index();
            if (withHardState) {
                this.hardState = hardState;
            }
            if (writer.offset() >= options.segmentSizeBytes()) {
                cut();
            } else if (sync) {
                writer.sync();
            }
        } catch (IOException | RuntimeException | Error e) {
            failure = e;
            throw e;
        }
    }

    /** fsyncs everything saved so far. */
    public void sync() throws IOException {
        checkWritable();
        try {
            writer.sync();
        } catch (IOException | RuntimeException | Error e) {
            failure = e;
            throw e;
        }
    }

    /**
     * Seals the tail segment and starts the next. The new segment repeats metadata, hard state and snapshot
     * marker after its header so that releasing older segments never loses them.
     */
    private void cut() throws IOException {
        writer.seal();
        writer.close();
        long seq = writer.name().seq() + 1;
        long firstIndex = lastIndex + 1;
        encoder.reset(writer.lastCrc());
        encoder.segmentHeader(seq, firstIndex, writer.lastCrc());
        if (metadata.length > 0) {
            encoder.metadata(metadata);
        }
        if (!snapshot.isNone()) {
            encoder.snapshot(snapshot);
        }
        if (!hardState.isEmpty()) {
            encoder.hardState(hardState);
        }
        SegmentFile.Name next = SegmentFile.create(dir, seq, firstIndex, encoder.buffer(),
                preallocateTo(options, encoder.size()));
        segments.add(next);
        writer = SegmentWriter.open(next, encoder.size(), encoder.crc(), encoder.lastRecordStart(),
                options.fsyncListener());
    }

    private static long preallocateTo(WalOptions options, long used) {
        return options.preallocate() ? Math.max(options.segmentSizeBytes(), used) : used;
    }

    /**
     * Deletes old segments once a snapshot covers {@code index}: every segment before the newest one whose first
     * index is {@code <= index}. Their live entries all have smaller indexes, while the kept segment (it contains
     * {@code index}, if present at all) and all later ones stay; the tail segment is never deleted. Each segment
     * repeats metadata and state, so nothing else is lost. Costs one directory fsync per deleted segment.
     */
    public void releaseTo(long index) throws IOException {
        checkWritable();
        int keep = -1;
        for (int i = 0; i < segments.size(); i++) {
            if (segments.get(i).firstIndex() <= index) {
                keep = i;
            }
        }
        if (keep <= 0) {
            return;
        }
        // Oldest first, each deletion made durable before the next: otherwise a crash could persist a later
        // deletion but not an earlier one, leaving a sequence gap that replay must report as corruption.
        for (int i = 0; i < keep; i++) {
            reader.closeSegment(segments.get(0).seq());
            Files.deleteIfExists(segments.get(0).path());
            segments.remove(0);
            SegmentFile.fsyncDir(dir);
        }
    }

    /**
     * Reads back the live entries in {@code [lo, hi)}, at least one, stopping before the records' total length would
     * pass {@code maxBytes}. Each record is checked against the chained CRC it was written after, so damage on disk
     * since it was written fails the read with {@link WalCorruptionException} instead of returning a wrong entry.
     *
     * @throws IllegalArgumentException if an entry in the range is not in the log (superseded, released or forgotten)
     */
    public List<WalEntry> readEntries(long lo, long hi, long maxBytes) throws IOException {
        if (closed) {
            throw new IllegalStateException("WAL is closed");
        }
        List<WalEntry> out = new ArrayList<>((int) Math.min(hi - lo, 256));
        long bytes = 0;
        for (long i = lo; i < hi; i++) {
            EntryPositions.Position p = positions.get(i);
            if (!out.isEmpty() && bytes + p.length() > maxBytes) {
                break;
            }
            out.add(readEntry(i, p));
            bytes += p.length();
        }
        return out;
    }

    private WalEntry readEntry(long index, EntryPositions.Position p) throws IOException {
        for (SegmentFile.Name n : segments) {
            if (n.seq() == p.segmentSeq()) {
                return reader.read(n, index, p);
            }
        }
        throw new IllegalArgumentException("the segment holding entry " + index + " was released");
    }

    /** Forgets where the entries below {@code index} lie: the caller will not read them again. */
    public void forgetEntriesBelow(long index) {
        positions.forgetBelow(index);
    }

    /**
     * Index of the last entry in the log (after conflict truncations), or the latest snapshot marker's index if
     * that is higher, 0 for an empty WAL. The next entry saved may have at most this index + 1.
     */
    public long lastIndex() {
        return lastIndex;
    }

    /** Syncs (unless a write failed) and closes the tail segment, then releases the directory lock. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (FileChannel lock = lockChannel; EntryReader r = reader; SegmentWriter w = writer) {
            if (failure == null) {
                w.sync();
            }
        }
    }

    private void checkWritable() {
        if (closed) {
            throw new IllegalStateException("WAL is closed");
        }
        if (failure != null) {
            throw new IllegalStateException("WAL failed on an earlier write and must be reopened", failure);
        }
    }

    private static void closeQuietly(AutoCloseable c, Throwable primary) {
        try {
            c.close();
        } catch (Exception suppressed) {
            primary.addSuppressed(suppressed);
        }
    }

    // ---- for tests in this package: where the bytes went

    List<Path> segmentPaths() {
        return segments.stream().map(SegmentFile.Name::path).toList();
    }

    long tailOffset() {
        return writer.offset();
    }

    long lastRecordOffset() {
        return writer.lastRecordOffset();
    }
}
