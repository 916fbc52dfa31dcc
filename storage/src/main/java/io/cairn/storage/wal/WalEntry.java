package io.cairn.storage.wal;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * One Raft log entry as the WAL stores it. The WAL never interprets {@code type} or {@code data}; the
 * server converts to and from its Raft entry classes so that this module does not depend on them.
 *
 * @param index Raft log index, at least 1
 * @param term Raft term the entry was proposed in
 * @param type the entry type (normal, conf change, ...) as the Raft layer numbers it
 * @param data opaque payload, never null; a ByteString, so the Raft entry's data goes to the WAL's buffer and comes
 *     back from it without a copy in between
 */
public record WalEntry(long index, long term, int type, ByteString data) {

    public WalEntry {
        if (index < 1) {
            throw new IllegalArgumentException("entry index must be >= 1, got " + index);
        }
        Objects.requireNonNull(data, "data");
    }

    /** An entry over a copy of {@code data}. */
    public WalEntry(long index, long term, int type, byte[] data) {
        this(index, term, type, ByteString.copyFrom(data));
    }

    @Override
    public String toString() {
        return "WalEntry[index=" + index + ", term=" + term + ", type=" + type + ", data=" + data.size() + " bytes]";
    }
}
