package io.cairn.storage.wal;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What {@link Wal#readAll(long)} found on disk.
 *
 * @param metadata the metadata the WAL was created with (member id, cluster id, ... as the server encodes it);
 *     empty if none
 * @param hardState the latest hard state written, {@link WalHardState#EMPTY} if none
 * @param snapshot the latest snapshot marker written, {@link WalSnapshot#NONE} if none
 * @param entries the live log after the requested snapshot index: ascending, contiguous, starting at
 *     {@code fromSnapshotIndex + 1} (or empty); overwritten suffixes are already resolved
 */
public record WalContents(byte[] metadata, WalHardState hardState, WalSnapshot snapshot, List<WalEntry> entries) {

    public WalContents {
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(hardState, "hardState");
        Objects.requireNonNull(snapshot, "snapshot");
        entries = List.copyOf(entries);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WalContents c
                && Arrays.equals(metadata, c.metadata) && hardState.equals(c.hardState)
                && snapshot.equals(c.snapshot) && entries.equals(c.entries);
    }

    @Override
    public int hashCode() {
        return Objects.hash(hardState, snapshot, entries) * 31 + Arrays.hashCode(metadata);
    }

    @Override
    public String toString() {
        return "WalContents[metadata=" + metadata.length + " bytes, hardState=" + hardState + ", snapshot=" + snapshot
                + ", entries=" + (entries.isEmpty() ? "[]"
                        : "[" + entries.get(0).index() + ".." + entries.get(entries.size() - 1).index() + "]") + "]";
    }
}
