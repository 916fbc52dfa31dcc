package io.cairn.storage.wal;

/**
 * Snapshot marker: records that a snapshot up to {@code index} (taken at {@code term}) exists, so that
 * replay knows where the log may legitimately begin. The snapshot data itself lives elsewhere.
 * {@link #NONE} (index 0) means "no snapshot".
 */
public record WalSnapshot(long index, long term) {

    public static final WalSnapshot NONE = new WalSnapshot(0, 0);

    public WalSnapshot {
        if (index < 0 || term < 0) {
            throw new IllegalArgumentException("snapshot index and term must be >= 0: " + index + "/" + term);
        }
    }

    public boolean isNone() {
        return index == 0 && term == 0;
    }
}
