package io.cairn.storage.wal;

import java.util.ArrayList;
import java.util.List;

/**
 * Rebuilds the WAL's logical state from verified records, segment by segment, and checks what CRCs cannot: that
 * segments chain (sequence, previous CRC, first index) and that entries never skip ahead of the log.
 */
final class Replay implements SegmentReader.Visitor {

    byte[] metadata = new byte[0];
    WalHardState hardState = WalHardState.EMPTY;
    WalSnapshot snapshot = WalSnapshot.NONE;
    /** Every snapshot marker in the surviving segments, oldest first (segment headers repeat the latest). */
    final ArrayList<WalSnapshot> snapshots = new ArrayList<>();
    /** Live log: contiguous, ascending; superseded suffixes already removed. */
    final ArrayList<WalEntry> entries = new ArrayList<>();
    /** Where each of {@link #entries} lies, kept by the same rules. */
    final EntryPositions positions = new EntryPositions();
    /** Same definition as {@link Wal#lastIndex()}; segment headers are checked against it. */
    long lastIndex;

    private SegmentFile.Name segment;
    private Integer prevSegmentCrc;

    /** @param prevCrc last CRC of the previous segment, null for the oldest surviving segment */
    void beginSegment(SegmentFile.Name name, Integer prevCrc) {
        this.segment = name;
        this.prevSegmentCrc = prevCrc;
    }

    @Override
    public void record(long offset, int seedCrc, byte[] body) throws WalCorruptionException {
        try {
            if (offset == 0) {
                header(RecordCodec.decodeSegmentHeader(body));
                return;
            }
            switch (body[0]) {
                case RecordCodec.ENTRY -> {
                    WalEntry e = RecordCodec.decodeEntry(body);
                    applyEntry(e);
                    positions.add(e.index(), segment.seq(), offset, RecordCodec.HEADER_BYTES + body.length, seedCrc);
                }
                case RecordCodec.HARD_STATE -> hardState = RecordCodec.decodeHardState(body);
                case RecordCodec.SNAPSHOT -> applySnapshot(RecordCodec.decodeSnapshot(body));
                case RecordCodec.METADATA -> metadata = RecordCodec.decodeMetadata(body);
                case RecordCodec.SEGMENT_HEADER -> throw new IllegalArgumentException("segment header record inside a segment");
                default -> throw new IllegalArgumentException("unknown record type " + body[0]);
            }
        } catch (IllegalArgumentException e) {
            throw new WalCorruptionException(segment.path(), offset, e.getMessage());
        }
    }

    private void header(RecordCodec.SegmentHeader h) {
        if (h.seq() != segment.seq() || h.firstIndex() != segment.firstIndex()) {
            throw new IllegalArgumentException("header says seq " + h.seq() + ", first index " + h.firstIndex()
                    + ", which does not match the file name");
        }
        if (prevSegmentCrc == null) {
            // Oldest surviving segment (older ones may have been released): trust its header to start the chain.
            lastIndex = h.firstIndex() - 1;
            return;
        }
        if (h.prevCrc() != prevSegmentCrc) {
            throw new IllegalArgumentException(String.format(
                    "CRC chain broken: header carries previous CRC %08x but the previous segment ends with %08x",
                    h.prevCrc(), prevSegmentCrc));
        }
        if (h.firstIndex() != lastIndex + 1) {
            throw new IllegalArgumentException("segment first index " + h.firstIndex()
                    + " does not follow last index " + lastIndex + " of the previous segments");
        }
    }

    /** An entry at or below the current end replaces the suffix from its index on (Raft conflict truncation). */
    private void applyEntry(WalEntry e) {
        long i = e.index();
        if (i > lastIndex + 1) {
            throw new IllegalArgumentException("entry index " + i + " skips ahead of last index " + lastIndex);
        }
        if (!entries.isEmpty()) {
            long first = entries.get(0).index();
            long last = entries.get(entries.size() - 1).index();
            if (i <= first || i > last + 1) {
                // Replaces everything, or follows a snapshot marker past the old entries: those are superseded.
                entries.clear();
            } else if (i <= last) {
                entries.subList((int) (i - first), entries.size()).clear();
            }
        }
        entries.add(e);
        lastIndex = i;
    }

    private void applySnapshot(WalSnapshot s) {
        snapshot = s;
        if (!snapshots.contains(s)) {
            snapshots.add(s);
        }
        lastIndex = Math.max(lastIndex, s.index());
    }

    WalContents contents(long fromSnapshotIndex) {
        List<WalEntry> after = List.of();
        if (!entries.isEmpty()) {
            long first = entries.get(0).index();
            long last = entries.get(entries.size() - 1).index();
            if (fromSnapshotIndex < first - 1) {
                throw new IllegalStateException("the WAL holds no entries between snapshot index " + fromSnapshotIndex
                        + " and its first entry " + first + " (released or superseded by a later snapshot marker);"
                        + " read from a newer snapshot");
            }
            if (fromSnapshotIndex < last) {
                after = entries.subList((int) (fromSnapshotIndex + 1 - first), entries.size());
            }
        }
        return new WalContents(metadata.clone(), hardState, snapshot, after);
    }
}
