package io.cairn.storage.wal;

import static io.cairn.storage.wal.WalTestSupport.entries;
import static io.cairn.storage.wal.WalTestSupport.entry;
import static io.cairn.storage.wal.WalTestSupport.fill;
import static io.cairn.storage.wal.WalTestSupport.flipBit;
import static io.cairn.storage.wal.WalTestSupport.segments;
import static io.cairn.storage.wal.WalTestSupport.small;
import static io.cairn.storage.wal.WalTestSupport.truncate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Torn-tail repair and corruption detection on open (rules in WAL.md). */
class WalRecoveryTest {

    /** Big enough for every test here to stay in one segment, small enough to keep pre-allocation cheap. */
    private static final WalOptions ONE_SEGMENT = WalOptions.defaults().withSegmentSizeBytes(64 * 1024);

    @TempDir
    Path tmp;

    /** Where the last save's records went: [start, end) of the tail segment. */
    private record Tail(Path file, long start, long end, long lastRecord) {
    }

    /** Writes 1..10 (synced), then 11..13 plus a hard state in one unsynced batch; returns that batch's extent. */
    private Tail writeTwoBatches(WalOptions options) throws IOException {
        try (Wal wal = Wal.open(tmp, options)) {
            wal.save(entries(1, 10, 1), new WalHardState(1, 1, 10), true);
            long start = wal.tailOffset();
            wal.save(entries(11, 13, 1), new WalHardState(1, 1, 13), false);
            List<Path> segs = wal.segmentPaths();
            return new Tail(segs.get(segs.size() - 1), start, wal.tailOffset(), wal.lastRecordOffset());
        }
    }

    private void assertFirstBatchOnly() throws IOException {
        try (Wal wal = Wal.open(tmp, ONE_SEGMENT)) {
            WalContents c = wal.readAll(0);
            assertThat(c.entries()).containsExactlyElementsOf(entries(1, 10, 1));
            assertThat(c.hardState()).isEqualTo(new WalHardState(1, 1, 10));
            assertThat(wal.lastIndex()).isEqualTo(10);
            // The repaired tail takes new appends and replays cleanly.
            wal.save(entries(11, 12, 2), null, true);
        }
        try (Wal wal = Wal.open(tmp, ONE_SEGMENT)) {
            assertThat(wal.readAll(10).entries()).containsExactlyElementsOf(entries(11, 12, 2));
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void partialRecordAtEndOfFileIsTruncated(boolean preallocate) throws IOException {
        Tail t = writeTwoBatches(ONE_SEGMENT.withPreallocate(preallocate));
        truncate(t.file(), t.start() + 5); // inside the first new record's header
        assertFirstBatchOnly();
    }

    @Test
    void recordCutInsideItsBodyIsTruncated() throws IOException {
        Tail t = writeTwoBatches(ONE_SEGMENT.withPreallocate(false));
        truncate(t.file(), t.start() + 20);
        assertFirstBatchOnly();
    }

    @Test
    void zeroedTailInPreallocatedSegmentIsTruncated() throws IOException {
        Tail t = writeTwoBatches(ONE_SEGMENT);
        fill(t.file(), t.start() + 30, t.end(), (byte) 0); // the write reached the disk only partly
        assertFirstBatchOnly();
        assertThat(Files.size(t.file())).isEqualTo(ONE_SEGMENT.segmentSizeBytes()); // still pre-allocated
    }

    @Test
    void lostHeaderPageWithLaterDataIsTornNotCorrupt() throws IOException {
        // Pages of an unsynced write can land out of order: the header never made it, later bytes did.
        Tail t = writeTwoBatches(ONE_SEGMENT);
        fill(t.file(), t.start(), t.start() + RecordCodec.HEADER_BYTES, (byte) 0);
        assertFirstBatchOnly();
    }

    @Test
    void lostSectorInsideLargeRecordIsTorn() throws IOException {
        Path file;
        long start;
        try (Wal wal = Wal.open(tmp, ONE_SEGMENT)) {
            wal.save(entries(1, 10, 1), new WalHardState(1, 1, 10), true);
            start = wal.tailOffset();
            wal.save(List.of(new WalEntry(11, 1, 0, filled(4000)), entry(12, 1)), new WalHardState(1, 1, 12), false);
            file = wal.segmentPaths().get(0);
        }
        long sector = (start / 512 + 2) * 512; // well inside the 4000-byte body of entry 11
        fill(file, sector, sector + 512, (byte) 0);
        assertFirstBatchOnly();
    }

    private static byte[] filled(int n) {
        byte[] a = new byte[n];
        java.util.Arrays.fill(a, (byte) 0x5a);
        return a;
    }

    @Test
    void flipInFinalRecordIsTreatedAsTornTail() throws IOException {
        Tail t = writeTwoBatches(ONE_SEGMENT);
        flipBit(t.file(), t.lastRecord() + RecordCodec.HEADER_BYTES + 3, 2); // the final hard state's body
        try (Wal wal = Wal.open(tmp, ONE_SEGMENT)) {
            WalContents c = wal.readAll(0);
            assertThat(c.entries()).containsExactlyElementsOf(entries(1, 13, 1));
            assertThat(c.hardState()).isEqualTo(new WalHardState(1, 1, 10)); // the damaged final record is gone
        }
    }

    @Test
    void flipInFinalRecordLengthIsCorruption() throws IOException {
        Tail t = writeTwoBatches(ONE_SEGMENT);
        flipBit(t.file(), t.lastRecord() + 3, 0);
        assertCorrupt(t.file(), t.lastRecord(), "invalid record header");
    }

    @Test
    void flipInEarlierRecordOfLastSegmentIsCorruption() throws IOException {
        Tail t = writeTwoBatches(ONE_SEGMENT);
        flipBit(t.file(), t.start() + 15, 4); // body of entry 11, followed by more records
        assertCorrupt(t.file(), t.start(), "checksum mismatch");
    }

    @Test
    void flipInOlderSegmentIsCorruption() throws IOException {
        try (Wal wal = Wal.open(tmp, small())) {
            for (int k = 0; k < 4; k++) {
                wal.save(entries(30L * k + 1, 30L * k + 30, 1), null, false);
            }
        }
        Path second = segments(tmp).get(1);
        flipBit(second, 200, 7);
        WalCorruptionException e = openExpectingCorruption();
        assertThat(e.file()).isEqualTo(second);
        assertThat(e.offset()).isBetween(1L, 200L);
        assertThat(e.getMessage()).contains(second.toString()).contains("byte offset " + e.offset());
    }

    @Test
    void garbageAfterSealedSegmentIsCorruption() throws IOException {
        try (Wal wal = Wal.open(tmp, small())) {
            wal.save(entries(1, 30, 1), null, false);
            wal.save(entries(31, 31, 1), null, false);
        }
        Path first = segments(tmp).get(0);
        long size = Files.size(first);
        fill(first, size, size + 100, (byte) 0); // even zeros: a sealed segment ends exactly at its last record
        assertCorrupt(first, size, "invalid record header");
    }

    @Test
    void missingMiddleSegmentIsCorruption() throws IOException {
        try (Wal wal = Wal.open(tmp, small())) {
            for (int k = 0; k < 3; k++) {
                wal.save(entries(30L * k + 1, 30L * k + 30, 1), null, false);
            }
        }
        List<Path> segs = segments(tmp);
        Files.delete(segs.get(1));
        assertCorrupt(segs.get(2), 0, "sequence gap");
    }

    @Test
    void damagedTailSegmentHeaderIsCorruption() throws IOException {
        try (Wal wal = Wal.open(tmp, small())) {
            wal.save(entries(1, 30, 1), null, false);
        }
        Path last = segments(tmp).get(1);
        flipBit(last, 30, 1); // inside the header's sequence number
        assertCorrupt(last, 0, "checksum mismatch");
    }

    @Test
    void segmentFromAnotherHistoryBreaksTheChain() throws IOException {
        Path other = tmp.resolve("other");
        Path mine = tmp.resolve("mine");
        for (Path dir : List.of(mine, other)) {
            try (Wal wal = Wal.open(dir, small())) {
                wal.save(entries(1, 30, dir == mine ? 1 : 2), null, false); // same size, different terms
                wal.save(entries(31, 60, 2), null, false);
            }
        }
        Path victim = segments(mine).get(1);
        Files.copy(segments(other).get(1), victim, StandardCopyOption.REPLACE_EXISTING);
        assertCorrupt(mine, victim, 0, "CRC chain broken");
    }

    @Test
    void leftoverTempSegmentIsRemoved() throws IOException {
        try (Wal wal = Wal.open(tmp, small())) {
            wal.save(entries(1, 5, 1), null, true);
        }
        Path temp = tmp.resolve("0000000000000001-0000000000000006.wal.tmp");
        Files.write(temp, new byte[100]);
        try (Wal wal = Wal.open(tmp, small())) {
            assertThat(wal.readAll(0).entries()).hasSize(5);
        }
        assertThat(temp).doesNotExist();
    }

    @Test
    void strangeFileNameIsRejected() throws IOException {
        Wal.open(tmp, small()).close();
        Files.write(tmp.resolve("junk.wal"), new byte[1]);
        assertThatThrownBy(() -> Wal.open(tmp, small())).isInstanceOf(WalCorruptionException.class)
                .hasMessageContaining("junk.wal");
    }

    private WalCorruptionException openExpectingCorruption() {
        return openExpectingCorruption(tmp);
    }

    private static WalCorruptionException openExpectingCorruption(Path dir) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> Wal.open(dir, small()).close());
        assertThat(t).isInstanceOf(WalCorruptionException.class);
        return (WalCorruptionException) t;
    }

    private void assertCorrupt(Path file, long offset, String reason) {
        assertCorrupt(tmp, file, offset, reason);
    }

    private static void assertCorrupt(Path dir, Path file, long offset, String reason) {
        WalCorruptionException e = openExpectingCorruption(dir);
        assertThat(e.file()).isEqualTo(file);
        assertThat(e.offset()).isEqualTo(offset);
        assertThat(e.getMessage()).contains(file.toString()).contains("byte offset " + offset).contains(reason);
        // Refusing to start must not have modified anything, nor left the directory locked.
        assertThat(openExpectingCorruption(dir).getMessage()).isEqualTo(e.getMessage());
    }
}
