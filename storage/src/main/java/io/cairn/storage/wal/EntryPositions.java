package io.cairn.storage.wal;

/**
 * Where each live entry's record lies: segment, byte offset, record length and the chained CRC it was written
 * after, so that one entry can be read back and verified on its own ({@link Wal#readEntries}). Follows the log's
 * rules exactly as {@link Replay} does: an entry at or below the last index replaces the suffix from it on, one
 * past a gap (after a snapshot marker) or at or below the first replaces everything. Ascending and contiguous:
 * slot {@code i - first} holds entry {@code i}.
 */
final class EntryPositions {

    /** One entry's record. */
    record Position(long segmentSeq, long offset, int length, int seedCrc) {
    }

    private long first = 1;
    private int count;
    private int start;
    private long[] seqs = new long[64];
    private long[] offsets = new long[64];
    private int[] lengths = new int[64];
    private int[] seeds = new int[64];

    void add(long index, long segmentSeq, long offset, int length, int seedCrc) {
        if (count > 0 && (index <= first || index > last() + 1)) {
            count = 0;
        } else if (count > 0 && index <= last()) {
            count = (int) (index - first);
        }
        if (count == 0) {
            first = index;
            start = 0;
        }
        if (count == seqs.length) {
            grow();
        }
        int slot = slot(count);
        seqs[slot] = segmentSeq;
        offsets[slot] = offset;
        lengths[slot] = length;
        seeds[slot] = seedCrc;
        count++;
    }

    /** Forgets the positions of entries below {@code index}, which the log no longer needs. */
    void forgetBelow(long index) {
        if (count == 0 || index <= first) {
            return;
        }
        int drop = (int) Math.min(count, index - first);
        start = slot(drop);
        count -= drop;
        first += drop;
    }

    /** Whether entry {@code index} has a known position. */
    boolean contains(long index) {
        return count > 0 && index >= first && index <= last();
    }

    Position get(long index) {
        if (!contains(index)) {
            throw new IllegalArgumentException("no position for entry " + index);
        }
        int s = slot((int) (index - first));
        return new Position(seqs[s], offsets[s], lengths[s], seeds[s]);
    }

    int count() {
        return count;
    }

    private long last() {
        return first + count - 1;
    }

    private int slot(int i) {
        return (start + i) % seqs.length;
    }

    private void grow() {
        int capacity = seqs.length;
        seqs = unwrap(seqs, new long[capacity * 2], capacity);
        offsets = unwrap(offsets, new long[capacity * 2], capacity);
        lengths = unwrap(lengths, new int[capacity * 2], capacity);
        seeds = unwrap(seeds, new int[capacity * 2], capacity);
        start = 0;
    }

    /** Copies the ring {@code from} (of {@code capacity} slots) into {@code to} from slot 0, oldest first. */
    private <A> A unwrap(A from, A to, int capacity) {
        int head = Math.min(count, capacity - start);
        System.arraycopy(from, start, to, 0, head);
        System.arraycopy(from, 0, to, head, count - head);
        return to;
    }

    @Override
    public String toString() {
        return "EntryPositions[first=" + first + ", count=" + count + ", capacity=" + seqs.length + "]";
    }
}
