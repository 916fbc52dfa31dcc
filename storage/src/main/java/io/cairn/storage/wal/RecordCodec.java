package io.cairn.storage.wal;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Record framing and payload encoding (see WAL.md for the byte layout).
 *
 * <p>Frame: {@code u32 len | u32 ~len | u32 crc | body}, big-endian, where {@code body = u8 type | payload} and
 * {@code crc = CRC32C(prevCrc as 4 bytes | len | ~len | body)}. Feeding the previous record's CRC in first is how
 * the chain is seeded ({@link CRC32C} cannot be given an initial value): a record only verifies in the position it
 * was written, so lost, duplicated or reordered records are caught, not just flipped bits. The redundant
 * {@code ~len} lets replay tell a damaged length (corruption) from a torn or zeroed tail.
 */
final class RecordCodec {

    static final int HEADER_BYTES = 12;

    static final byte ENTRY = 1;
    static final byte HARD_STATE = 2;
    static final byte SNAPSHOT = 3;
    static final byte METADATA = 4;
    /** The CRC marker that starts every segment; it carries the chain across segment boundaries. */
    static final byte SEGMENT_HEADER = 5;

    /** "CAIRNWAL": lets us reject a file that merely has the right name. */
    static final long MAGIC = 0x434149524E57414CL;
    static final int FORMAT_VERSION = 1;

    static final int ENTRY_FIXED = 8 + 8 + 4;
    static final int HARD_STATE_PAYLOAD = 24;
    static final int SNAPSHOT_PAYLOAD = 16;
    static final int SEGMENT_HEADER_PAYLOAD = 8 + 4 + 8 + 8 + 4;

    private RecordCodec() {
    }

    /** Contents of a segment header record. */
    record SegmentHeader(long seq, long firstIndex, int prevCrc) {
    }

    /** Whether the 12 header bytes at {@code off} are self-consistent (not whether the body checks out). */
    static boolean headerValid(byte[] h, int off) {
        int len = getInt(h, off);
        return len >= 1 && getInt(h, off + 4) == ~len;
    }

    /** The chained CRC of one record; {@code header} holds the 12 header bytes at {@code hOff}. */
    static int chainCrc(CRC32C c, int prevCrc, byte[] header, int hOff, byte[] body, int bOff, int bLen) {
        c.reset();
        c.update(prevCrc >>> 24);
        c.update(prevCrc >>> 16);
        c.update(prevCrc >>> 8);
        c.update(prevCrc);
        c.update(header, hOff, 8);
        c.update(body, bOff, bLen);
        return (int) c.getValue();
    }

    // ---- decoding; a malformed payload throws IllegalArgumentException, turned into a corruption error by the caller

    static WalEntry decodeEntry(byte[] body) {
        return decodeEntry(body, 0, body.length);
    }

    /** An entry record's body at {@code buf[off, off + len)}. */
    static WalEntry decodeEntry(byte[] buf, int off, int len) {
        if (len < 1 + ENTRY_FIXED) {
            throw new IllegalArgumentException("record of type " + buf[off] + " has body length " + len
                    + ", expected at least " + (1 + ENTRY_FIXED));
        }
        if (buf[off] != ENTRY) {
            throw new IllegalArgumentException("record of type " + buf[off] + " where an entry was expected");
        }
        ByteBuffer b = ByteBuffer.wrap(buf, off + 1, len - 1);
        long index = b.getLong();
        long term = b.getLong();
        int type = b.getInt();
        if (index < 1) {
            throw new IllegalArgumentException("entry index " + index + " < 1");
        }
        int from = off + 1 + ENTRY_FIXED;
        return new WalEntry(index, term, type, ByteString.copyFrom(buf, from, off + len - from));
    }

    static WalHardState decodeHardState(byte[] body) {
        requireLength(body, 1 + HARD_STATE_PAYLOAD, true);
        ByteBuffer b = ByteBuffer.wrap(body, 1, HARD_STATE_PAYLOAD);
        return new WalHardState(b.getLong(), b.getLong(), b.getLong());
    }

    static WalSnapshot decodeSnapshot(byte[] body) {
        requireLength(body, 1 + SNAPSHOT_PAYLOAD, true);
        ByteBuffer b = ByteBuffer.wrap(body, 1, SNAPSHOT_PAYLOAD);
        return new WalSnapshot(b.getLong(), b.getLong());
    }

    static byte[] decodeMetadata(byte[] body) {
        return Arrays.copyOfRange(body, 1, body.length);
    }

    static SegmentHeader decodeSegmentHeader(byte[] body) {
        if (body.length < 1 || body[0] != SEGMENT_HEADER) {
            throw new IllegalArgumentException("segment does not start with a segment header record");
        }
        requireLength(body, 1 + SEGMENT_HEADER_PAYLOAD, true);
        ByteBuffer b = ByteBuffer.wrap(body, 1, SEGMENT_HEADER_PAYLOAD);
        long magic = b.getLong();
        int version = b.getInt();
        if (magic != MAGIC) {
            throw new IllegalArgumentException("bad magic 0x" + Long.toHexString(magic) + ": not a Cairn WAL segment");
        }
        if (version != FORMAT_VERSION) {
            throw new IllegalArgumentException("unsupported WAL format version " + version);
        }
        return new SegmentHeader(b.getLong(), b.getLong(), b.getInt());
    }

    private static void requireLength(byte[] body, int len, boolean exact) {
        if (exact ? body.length != len : body.length < len) {
            throw new IllegalArgumentException("record of type " + body[0] + " has body length " + body.length
                    + ", expected " + (exact ? "" : "at least ") + len);
        }
    }

    static int getInt(byte[] a, int off) {
        return (a[off] & 0xff) << 24 | (a[off + 1] & 0xff) << 16 | (a[off + 2] & 0xff) << 8 | (a[off + 3] & 0xff);
    }

    /**
     * Encodes a batch of records into one buffer, so that one Raft Ready becomes one write(2). Tracks the chained
     * CRC so the caller can hand the final value to the segment writer. Not thread-safe; reused between batches.
     */
    static final class Encoder {
        private final CRC32C crc32c = new CRC32C();
        private byte[] buf = new byte[8192];
        private int size;
        private int crc;
        private int lastRecordStart = -1;
        /** Per entry record of the batch: its start in the buffer, its length, and the CRC it was chained to. */
        private int[] entryStarts = new int[16];
        private int[] entryLengths = new int[16];
        private int[] entrySeeds = new int[16];
        private int entries;

        void reset(int seedCrc) {
            size = 0;
            crc = seedCrc;
            lastRecordStart = -1;
            entries = 0;
            if (buf.length > (1 << 22)) {
                buf = new byte[8192]; // do not pin a huge buffer after one large batch
            }
        }

        int size() {
            return size;
        }

        /** Chained CRC after the last encoded record (the seed if none). */
        int crc() {
            return crc;
        }

        /** Start of the last encoded record relative to the buffer start, -1 if none. */
        int lastRecordStart() {
            return lastRecordStart;
        }

        ByteBuffer buffer() {
            return ByteBuffer.wrap(buf, 0, size);
        }

        void entry(WalEntry e) {
            int seed = crc;
            int start = begin(ENTRY, ENTRY_FIXED + e.data().size());
            putLong(e.index());
            putLong(e.term());
            putInt(e.type());
            e.data().copyTo(buf, size);
            size += e.data().size();
            end(start);
            if (entries == entryStarts.length) {
                entryStarts = Arrays.copyOf(entryStarts, entries * 2);
                entryLengths = Arrays.copyOf(entryLengths, entries * 2);
                entrySeeds = Arrays.copyOf(entrySeeds, entries * 2);
            }
            entryStarts[entries] = start;
            entryLengths[entries] = size - start;
            entrySeeds[entries] = seed;
            entries++;
        }

        /** Start in the buffer of the {@code k}-th entry record of this batch. */
        int entryStart(int k) {
            return entryStarts[k];
        }

        /** Length, header included, of the {@code k}-th entry record of this batch. */
        int entryLength(int k) {
            return entryLengths[k];
        }

        /** The chained CRC the {@code k}-th entry record of this batch follows. */
        int entrySeed(int k) {
            return entrySeeds[k];
        }

        void hardState(WalHardState hs) {
            int start = begin(HARD_STATE, HARD_STATE_PAYLOAD);
            putLong(hs.term());
            putLong(hs.vote());
            putLong(hs.commit());
            end(start);
        }

        void snapshot(WalSnapshot s) {
            int start = begin(SNAPSHOT, SNAPSHOT_PAYLOAD);
            putLong(s.index());
            putLong(s.term());
            end(start);
        }

        void metadata(byte[] m) {
            int start = begin(METADATA, m.length);
            System.arraycopy(m, 0, buf, size, m.length);
            size += m.length;
            end(start);
        }

        /** The prevCrc is also in the payload so the first surviving segment can be verified after older ones are released. */
        void segmentHeader(long seq, long firstIndex, int prevCrc) {
            int start = begin(SEGMENT_HEADER, SEGMENT_HEADER_PAYLOAD);
            putLong(MAGIC);
            putInt(FORMAT_VERSION);
            putLong(seq);
            putLong(firstIndex);
            putInt(prevCrc);
            end(start);
        }

        private int begin(byte type, int payloadLen) {
            long need = (long) size + HEADER_BYTES + 1 + payloadLen;
            if (need > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("WAL batch too large: " + need + " bytes");
            }
            if (need > buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(need, 2L * buf.length)));
            }
            int start = size;
            size += HEADER_BYTES;
            buf[size++] = type;
            return start;
        }

        private void end(int start) {
            int bodyLen = size - start - HEADER_BYTES;
            setInt(start, bodyLen);
            setInt(start + 4, ~bodyLen);
            crc = chainCrc(crc32c, crc, buf, start, buf, start + HEADER_BYTES, bodyLen);
            setInt(start + 8, crc);
            lastRecordStart = start;
        }

        private void putLong(long v) {
            putInt((int) (v >>> 32));
            putInt((int) v);
        }

        private void putInt(int v) {
            setInt(size, v);
            size += 4;
        }

        private void setInt(int at, int v) {
            buf[at] = (byte) (v >>> 24);
            buf[at + 1] = (byte) (v >>> 16);
            buf[at + 2] = (byte) (v >>> 8);
            buf[at + 3] = (byte) v;
        }
    }
}
