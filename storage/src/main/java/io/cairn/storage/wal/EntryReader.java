package io.cairn.storage.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Reads single entry records back from their segments and verifies each against the chained CRC it was written
 * after. Keeps one read-only channel per segment read from; the WAL closes a segment's channel before deleting it.
 */
final class EntryReader implements AutoCloseable {

    private final Map<Long, FileChannel> channels = new HashMap<>();
    private final CRC32C crc = new CRC32C();

    /** Entry {@code index}, whose record lies at {@code p} in {@code segment}. */
    WalEntry read(SegmentFile.Name segment, long index, EntryPositions.Position p) throws IOException {
        FileChannel ch = channels.get(segment.seq());
        if (ch == null) {
            ch = FileChannel.open(segment.path(), StandardOpenOption.READ);
            channels.put(segment.seq(), ch);
        }
        byte[] rec = new byte[p.length()];
        ByteBuffer b = ByteBuffer.wrap(rec);
        while (b.hasRemaining()) {
            if (ch.read(b, p.offset() + b.position()) < 0) {
                throw new WalCorruptionException(segment.path(), p.offset(), "entry " + index
                        + " is cut off by the end of the file");
            }
        }
        int bodyLen = rec.length - RecordCodec.HEADER_BYTES;
        if (!RecordCodec.headerValid(rec, 0) || RecordCodec.getInt(rec, 0) != bodyLen
                || RecordCodec.chainCrc(crc, p.seedCrc(), rec, 0, rec, RecordCodec.HEADER_BYTES, bodyLen)
                    != RecordCodec.getInt(rec, 8)) {
            throw new WalCorruptionException(segment.path(), p.offset(), "entry " + index
                    + " no longer matches what was written (checksum mismatch on read-back)");
        }
        try {
            WalEntry e = RecordCodec.decodeEntry(rec, RecordCodec.HEADER_BYTES, bodyLen);
            if (e.index() != index) {
                throw new IllegalArgumentException("entry " + e.index() + " where entry " + index + " was written");
            }
            return e;
        } catch (IllegalArgumentException e) {
            throw new WalCorruptionException(segment.path(), p.offset(), e.getMessage());
        }
    }

    void closeSegment(long seq) throws IOException {
        FileChannel ch = channels.remove(seq);
        if (ch != null) {
            ch.close();
        }
    }

    @Override
    public void close() throws IOException {
        for (FileChannel ch : channels.values()) {
            ch.close();
        }
        channels.clear();
    }
}
