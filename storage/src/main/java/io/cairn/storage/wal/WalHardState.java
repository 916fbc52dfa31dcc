package io.cairn.storage.wal;

/**
 * Raft hard state: the only Raft state besides the log that must survive a restart.
 * {@link #EMPTY} (all zero) means "none": it is what a fresh WAL reports and {@link Wal#save} skips it.
 */
public record WalHardState(long term, long vote, long commit) {

    public static final WalHardState EMPTY = new WalHardState(0, 0, 0);

    public boolean isEmpty() {
        return term == 0 && vote == 0 && commit == 0;
    }
}
