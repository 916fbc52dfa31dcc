package io.cairn.storage.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.function.LongConsumer;

/**
 * Appends encoded batches to the tail segment and fsyncs it. Tracks the chained CRC and offsets of what it wrote;
 * it does not know record types.
 */
final class SegmentWriter implements AutoCloseable {

    private final SegmentFile.Name name;
    private final FileChannel ch;
    private final LongConsumer fsyncListener;
    private long offset;
    /** What the last fsync made durable; written bytes past it are lost on power loss. */
    private long syncedOffset;
    private boolean powerLost;
    private int lastCrc;
    private long lastRecordOffset;

    private SegmentWriter(SegmentFile.Name name, FileChannel ch, long offset, int lastCrc, long lastRecordOffset,
            LongConsumer fsyncListener) {
        this.name = name;
        this.ch = ch;
        this.offset = offset;
        this.syncedOffset = offset;
        this.lastCrc = lastCrc;
        this.lastRecordOffset = lastRecordOffset;
        this.fsyncListener = fsyncListener;
    }

    /** Opens {@code name} for appending at {@code offset}, right after its last valid record. */
    static SegmentWriter open(SegmentFile.Name name, long offset, int lastCrc, long lastRecordOffset,
            LongConsumer fsyncListener) throws IOException {
        FileChannel ch = FileChannel.open(name.path(), StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new SegmentWriter(name, ch, offset, lastCrc, lastRecordOffset, fsyncListener);
    }

    /**
     * Drops a torn tail: cuts the file at {@code validEnd} and re-zeroes up to {@code zeroTo}. The old bytes must
     * go, not just be overwritten later: left behind a shorter future record they could make the next replay see
     * non-zero data after the end of the log and misreport it as corruption.
     */
    void discardTail(long validEnd, long zeroTo) throws IOException {
        ch.truncate(validEnd);
        SegmentFile.writeZeros(ch, validEnd, zeroTo);
        timedForce(true);
    }

    SegmentFile.Name name() {
        return name;
    }

    long offset() {
        return offset;
    }

    int lastCrc() {
        return lastCrc;
    }

    long lastRecordOffset() {
        return lastRecordOffset;
    }

    /** Writes one encoded batch (a single write call for the whole Raft Ready) and returns where it starts. */
    synchronized long append(RecordCodec.Encoder batch) throws IOException {
        checkPowered();
        long start = offset;
        if (batch.size() == 0) {
            return start;
        }
        offset = SegmentFile.writeFully(ch, batch.buffer(), offset);
        lastCrc = batch.crc();
        lastRecordOffset = start + batch.lastRecordStart();
        return start;
    }

    /**
     * fdatasync: the segment is pre-allocated, so data plus (when it grew past the pre-allocation) the new size
     * is all that has to reach the disk.
     */
    synchronized void sync() throws IOException {
        checkPowered();
        timedForce(false);
    }

    /**
     * Before a newer segment exists, this one must be complete and durable: replay treats any damage in a
     * non-last segment as corruption. Cutting off the unused pre-allocated zeros also means a non-last segment
     * ends exactly at its last record, which replay checks.
     */
    synchronized void seal() throws IOException {
        checkPowered();
        ch.truncate(offset);
        timedForce(true);
    }

    private void timedForce(boolean metadata) throws IOException {
        long t0 = System.nanoTime();
        ch.force(metadata);
        syncedOffset = offset;
        if (fsyncListener != null) {
            fsyncListener.accept(System.nanoTime() - t0);
        }
    }

    /**
     * Simulated power loss (fault campaigns): what was written since the last fsync is overwritten with the zeros
     * the pre-allocated segment held, as if it never reached the disk, and nothing more is written.
     */
    synchronized void dropUnsynced() throws IOException {
        powerLost = true;
        if (offset > syncedOffset) {
            SegmentFile.writeFully(ch, java.nio.ByteBuffer.allocate((int) (offset - syncedOffset)), syncedOffset);
        }
    }

    private void checkPowered() throws IOException {
        if (powerLost) {
            throw new IOException("simulated power loss: the WAL takes no more writes");
        }
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
