package io.cairn.storage.wal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The WAL on disk is damaged in a way that is not a torn tail (see WAL.md): a checksum mismatch, malformed record
 * or broken segment chain in data that must have been durable. The server must refuse to start rather than
 * replay a log it cannot trust; the message names the segment file and byte offset for the operator.
 */
public final class WalCorruptionException extends IOException {

    private final Path file;
    private final long offset;

    public WalCorruptionException(Path file, long offset, String reason) {
        super("corrupt WAL segment " + file + " at byte offset " + offset + ": " + reason);
        this.file = file;
        this.offset = offset;
    }

    /** The damaged segment file. */
    public Path file() {
        return file;
    }

    /** Byte offset in {@link #file()} of the first record that could not be trusted. */
    public long offset() {
        return offset;
    }
}
