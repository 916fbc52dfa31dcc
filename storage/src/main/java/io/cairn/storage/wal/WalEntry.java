package io.cairn.storage.wal;

import java.util.Arrays;
import java.util.Objects;

/**
 * One Raft log entry as the WAL stores it. The WAL never interprets {@code type} or {@code data}; the
 * server converts to and from its Raft entry classes so that this module does not depend on them.
 *
 * @param index Raft log index, at least 1
 * @param term Raft term the entry was proposed in
 * @param type the entry type (normal, conf change, ...) as the Raft layer numbers it
 * @param data opaque payload, never null (the array is not copied: callers must not mutate it afterwards)
 */
public record WalEntry(long index, long term, int type, byte[] data) {

    public WalEntry {
        if (index < 1) {
            throw new IllegalArgumentException("entry index must be >= 1, got " + index);
        }
        Objects.requireNonNull(data, "data");
    }

    // Records compare arrays by identity; entries read back from disk must equal the ones written.
    @Override
    public boolean equals(Object o) {
        return o instanceof WalEntry e
                && index == e.index && term == e.term && type == e.type && Arrays.equals(data, e.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, term, type) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "WalEntry[index=" + index + ", term=" + term + ", type=" + type + ", data=" + data.length + " bytes]";
    }
}
