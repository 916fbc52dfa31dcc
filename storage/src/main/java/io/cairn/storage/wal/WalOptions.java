package io.cairn.storage.wal;

import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * Tuning for {@link Wal#open}. Immutable; start from {@link #defaults()} and use the {@code with...} methods.
 *
 * @param segmentSizeBytes a segment is sealed and a new one started once a save takes it past this size
 * @param preallocate whether new segments are filled with zeros up front, so that later fsyncs need not update
 *     file-size metadata (tests may turn it off to save I/O)
 * @param metadata written into a newly created WAL (and carried into every segment); ignored when the WAL exists
 * @param fsyncListener receives the duration in nanoseconds of every segment fsync (for
 *     etcd_disk_wal_fsync_duration_seconds); may be null. Called on the thread calling the WAL.
 */
public record WalOptions(long segmentSizeBytes, boolean preallocate, byte[] metadata, LongConsumer fsyncListener) {

    public static final long DEFAULT_SEGMENT_SIZE = 64L * 1024 * 1024;
    /** Below this a segment could not even hold its own header records comfortably. */
    public static final long MIN_SEGMENT_SIZE = 512;

    public WalOptions {
        if (segmentSizeBytes < MIN_SEGMENT_SIZE) {
            throw new IllegalArgumentException("segmentSizeBytes must be >= " + MIN_SEGMENT_SIZE);
        }
        metadata = Objects.requireNonNull(metadata, "metadata").clone();
    }

    public static WalOptions defaults() {
        return new WalOptions(DEFAULT_SEGMENT_SIZE, true, new byte[0], null);
    }

    public WalOptions withSegmentSizeBytes(long bytes) {
        return new WalOptions(bytes, preallocate, metadata, fsyncListener);
    }

    public WalOptions withPreallocate(boolean on) {
        return new WalOptions(segmentSizeBytes, on, metadata, fsyncListener);
    }

    public WalOptions withMetadata(byte[] bytes) {
        return new WalOptions(segmentSizeBytes, preallocate, bytes, fsyncListener);
    }

    public WalOptions withFsyncListener(LongConsumer listener) {
        return new WalOptions(segmentSizeBytes, preallocate, metadata, listener);
    }

    @Override
    public byte[] metadata() {
        return metadata.clone();
    }
}
