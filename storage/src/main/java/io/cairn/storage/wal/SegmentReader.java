package io.cairn.storage.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Scans one segment, verifying every record's chained CRC, and decides what an unreadable record means: in a
 * non-last segment, or at the segment header, always corruption; in the last segment, a torn tail if the rule in
 * WAL.md ("Torn tail versus corruption") says the damaged bytes cannot have been durably acknowledged.
 */
final class SegmentReader implements AutoCloseable {

    /**
     * Receives each verified record with the chained CRC it follows ({@code seedCrc}); may reject it (semantic
     * checks) with a corruption error.
     */
    interface Visitor {
        void record(long offset, int seedCrc, byte[] body) throws WalCorruptionException;
    }

    /**
     * @param validEnd offset just after the last valid record: where appending resumes
     * @param lastCrc chained CRC of the last valid record
     * @param lastRecordOffset start of the last valid record
     * @param fileSize size of the file as found
     * @param tornReason null if everything after {@code validEnd} is zeros (or nothing); otherwise why the
     *     non-zero bytes there were judged a torn write
     */
    record Result(long validEnd, int lastCrc, long lastRecordOffset, long fileSize, String tornReason) {
    }

    private enum Failure {
        HEADER_CUT("incomplete record header at end of file"),
        HEADER_BAD("invalid record header (length and its complement disagree)"),
        BODY_CUT("record extends past end of file"),
        CRC_BAD("checksum mismatch");

        final String reason;

        Failure(String reason) {
            this.reason = reason;
        }
    }

    /** Pages of a torn write that never reached the disk read back as zeros in a pre-zeroed file. */
    static final int SECTOR = 512;
    private static final int WINDOW = 256 * 1024;

    private final Path file;
    private final FileChannel ch;
    private final long size;
    private final CRC32C crc32c = new CRC32C();
    private final byte[] window = new byte[WINDOW];
    private long windowStart;
    private int windowLen;
    private int crc;
    private long lastRecord = -1;

    SegmentReader(Path file) throws IOException {
        this.file = file;
        this.ch = FileChannel.open(file, StandardOpenOption.READ);
        this.size = ch.size();
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }

    /**
     * Reads all records. The first record must be the segment header; its CRC is seeded from the previous CRC it
     * carries, and the visitor checks that value against the previous segment.
     */
    Result scan(boolean last, Visitor visitor) throws IOException {
        byte[] h = new byte[RecordCodec.HEADER_BYTES];
        long pos = 0;
        while (pos < size) {
            int n = read(pos, h, 0, h.length);
            if (n < h.length) {
                return tail(pos, last, Failure.HEADER_CUT, h, null);
            }
            if (!RecordCodec.headerValid(h, 0)) {
                return tail(pos, last, Failure.HEADER_BAD, h, null);
            }
            int len = RecordCodec.getInt(h, 0);
            if (pos + RecordCodec.HEADER_BYTES + len > size) {
                return tail(pos, last, Failure.BODY_CUT, h, null);
            }
            byte[] body = new byte[len];
            read(pos + RecordCodec.HEADER_BYTES, body, 0, len);
            int seed = pos == 0 ? headerSeed(body) : crc;
            int c = RecordCodec.chainCrc(crc32c, seed, h, 0, body, 0, len);
            if (c != RecordCodec.getInt(h, 8)) {
                return tail(pos, last, Failure.CRC_BAD, h, body);
            }
            visitor.record(pos, seed, body);
            crc = c;
            lastRecord = pos;
            pos += RecordCodec.HEADER_BYTES + len;
        }
        if (lastRecord < 0) {
            throw new WalCorruptionException(file, 0, "empty segment file (no segment header)");
        }
        return new Result(pos, crc, lastRecord, size, null);
    }

    private int headerSeed(byte[] body) throws WalCorruptionException {
        try {
            return RecordCodec.decodeSegmentHeader(body).prevCrc();
        } catch (IllegalArgumentException e) {
            throw new WalCorruptionException(file, 0, e.getMessage());
        }
    }

    /**
     * The record at {@code pos} is unreadable. Only the last segment may end in a torn write, and never inside its
     * header (segments become visible only after their header is durable). There, the damage counts as a torn tail
     * iff it looks like an incomplete write and could not be hiding later, durable records:
     * <ul>
     *   <li>everything from {@code pos} on is zero (the pre-allocated area; the normal case, not reported);</li>
     *   <li>the header is cut by end of file, or its body is (the header's length is self-checked, so this is
     *       really the record's length, and nothing lies beyond the record);</li>
     *   <li>the header is all zero (its write never landed, so no fsync after it completed and nothing after it
     *       was acknowledged), or the header is inconsistent and nothing non-zero follows it;</li>
     *   <li>the body fails its CRC and either nothing non-zero follows the record, or the body contains a whole,
     *       512-byte aligned, all-zero sector (a page that never reached the disk).</li>
     * </ul>
     * A single flipped bit can produce none of these except in the final record, so damage to any earlier data is
     * reported as corruption.
     */
    private Result tail(long pos, boolean last, Failure f, byte[] h, byte[] body) throws IOException {
        if (!last || pos == 0) {
            throw new WalCorruptionException(file, pos, f.reason);
        }
        if (allZero(pos, size)) {
            return new Result(pos, crc, lastRecord, size, null);
        }
        long afterHeader = pos + RecordCodec.HEADER_BYTES;
        boolean torn = switch (f) {
            case HEADER_CUT, BODY_CUT -> true;
            case HEADER_BAD -> allZero(h) || allZero(afterHeader, size);
            case CRC_BAD -> allZero(afterHeader + body.length, size) || hasZeroSector(body, afterHeader);
        };
        if (!torn) {
            throw new WalCorruptionException(file, pos, f.reason + " (and non-zero data follows, so this is not"
                    + " a torn write at the end of the log)");
        }
        return new Result(pos, crc, lastRecord, size, f.reason);
    }

    private static boolean allZero(byte[] a) {
        for (byte b : a) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code body}, which starts at file offset {@code base}, fully contains an aligned zero sector. */
    private static boolean hasZeroSector(byte[] body, long base) {
        long first = (base + SECTOR - 1) / SECTOR * SECTOR;
        for (long s = first; s + SECTOR <= base + body.length; s += SECTOR) {
            int from = (int) (s - base);
            boolean zero = true;
            for (int i = from; i < from + SECTOR && zero; i++) {
                zero = body[i] == 0;
            }
            if (zero) {
                return true;
            }
        }
        return false;
    }

    private boolean allZero(long from, long to) throws IOException {
        byte[] chunk = new byte[(int) Math.min(WINDOW, Math.max(0, to - from))];
        while (from < to) {
            int n = read(from, chunk, 0, (int) Math.min(chunk.length, to - from));
            if (n <= 0) {
                return true; // EOF
            }
            for (int i = 0; i < n; i++) {
                if (chunk[i] != 0) {
                    return false;
                }
            }
            from += n;
        }
        return true;
    }

    /** Reads up to {@code n} bytes at {@code pos} through a window (records are scanned sequentially). */
    private int read(long pos, byte[] dst, int off, int n) throws IOException {
        int done = 0;
        while (done < n && pos + done < size) {
            long p = pos + done;
            if (p >= windowStart && p < windowStart + windowLen) {
                int k = (int) Math.min(n - done, windowStart + windowLen - p);
                System.arraycopy(window, (int) (p - windowStart), dst, off + done, k);
                done += k;
            } else if (n - done >= WINDOW) {
                int k = ch.read(ByteBuffer.wrap(dst, off + done, n - done), p);
                if (k <= 0) {
                    break;
                }
                done += k;
            } else {
                fill(p);
                if (windowLen == 0) {
                    break;
                }
            }
        }
        return done;
    }

    private void fill(long p) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(window);
        while (b.hasRemaining() && ch.read(b, p + b.position()) > 0) {
            // keep reading until the window is full or EOF
        }
        windowStart = p;
        windowLen = b.position();
    }
}
