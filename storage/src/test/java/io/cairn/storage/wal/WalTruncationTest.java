package io.cairn.storage.wal;

import static io.cairn.storage.wal.WalTestSupport.entries;
import static io.cairn.storage.wal.WalTestSupport.entry;
import static io.cairn.storage.wal.WalTestSupport.small;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Raft conflict truncation and snapshot markers: later records win. */
class WalTruncationTest {

    @TempDir
    Path tmp;

    private static List<WalEntry> concat(List<WalEntry> a, List<WalEntry> b) {
        List<WalEntry> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void overwriteWithinSegmentReplacesSuffix() throws IOException {
        try (Wal wal = Wal.open(tmp, WalOptions.defaults().withPreallocate(false))) {
            wal.save(entries(1, 10, 1), null, false);
            wal.save(entries(6, 7, 2), null, false);
            assertThat(wal.lastIndex()).isEqualTo(7);
            wal.save(entries(8, 8, 2), null, true);
        }
        try (Wal wal = Wal.open(tmp, WalOptions.defaults())) {
            assertThat(wal.readAll(0).entries()).containsExactlyElementsOf(concat(entries(1, 5, 1), entries(6, 8, 2)));
            assertThat(wal.lastIndex()).isEqualTo(8);
        }
    }

    @Test
    void overwriteAcrossSegmentsReplacesSuffix() throws IOException {
        try (Wal wal = Wal.open(tmp, small())) {
            wal.save(entries(1, 100, 1), null, false);
            wal.save(entries(101, 150, 1), null, false);
            assertThat(wal.segmentPaths()).hasSizeGreaterThanOrEqualTo(3);
            wal.save(entries(40, 45, 3), new WalHardState(3, 2, 39), false);
            wal.save(entries(46, 46, 3), null, false);
        }
        try (Wal wal = Wal.open(tmp, small())) {
            WalContents c = wal.readAll(0);
            assertThat(c.entries()).containsExactlyElementsOf(concat(entries(1, 39, 1), entries(40, 46, 3)));
            assertThat(c.hardState()).isEqualTo(new WalHardState(3, 2, 39));
            assertThat(wal.lastIndex()).isEqualTo(46);
            assertThat(wal.readAll(45).entries()).containsExactly(entry(46, 3));
        }
    }

    @Test
    void overwriteOfEverythingStartsOver() throws IOException {
        try (Wal wal = Wal.open(tmp, small())) {
            wal.save(entries(1, 5, 1), null, false);
            wal.save(entries(1, 2, 2), null, false);
        }
        try (Wal wal = Wal.open(tmp, small())) {
            assertThat(wal.readAll(0).entries()).containsExactlyElementsOf(entries(1, 2, 2));
        }
    }

    @Test
    void installedSnapshotLetsTheLogJumpAhead() throws IOException {
        try (Wal wal = Wal.open(tmp, small())) {
            wal.save(entries(1, 20, 1), new WalHardState(1, 1, 10), false);
            // A follower receives a snapshot at 100: the same Ready carries the marker and entries after it.
            wal.save(entries(101, 103, 4), new WalHardState(4, 2, 100), new WalSnapshot(100, 3), true);
            assertThat(wal.lastIndex()).isEqualTo(103);
        }
        try (Wal wal = Wal.open(tmp, small())) {
            WalContents c = wal.readAll(100);
            assertThat(c.snapshot()).isEqualTo(new WalSnapshot(100, 3));
            assertThat(c.entries()).containsExactlyElementsOf(entries(101, 103, 4));
            assertThat(c.hardState()).isEqualTo(new WalHardState(4, 2, 100));
            // The entries between the caller's older snapshot and 101 are gone: refuse rather than return a gap.
            assertThatThrownBy(() -> wal.readAll(10)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("first entry 101");
        }
    }

    @Test
    void compactionSnapshotKeepsEntries() throws IOException {
        try (Wal wal = Wal.open(tmp, small())) {
            wal.save(entries(1, 30, 1), null, false);
            wal.save(List.of(), null, new WalSnapshot(20, 1), true);
            assertThat(wal.lastIndex()).isEqualTo(30);
            wal.save(entries(31, 31, 1), null, false);
        }
        try (Wal wal = Wal.open(tmp, small())) {
            WalContents c = wal.readAll(20);
            assertThat(c.snapshot()).isEqualTo(new WalSnapshot(20, 1));
            assertThat(c.entries()).containsExactlyElementsOf(entries(21, 31, 1));
            assertThat(wal.readAll(0).entries()).hasSize(31);
        }
    }

    @Test
    void latestHardStateAndSnapshotWinAcrossCuts() throws IOException {
        try (Wal wal = Wal.open(tmp, small())) {
            for (int i = 1; i <= 60; i++) {
                wal.save(List.of(entry(i, i)), new WalHardState(i, i % 3, i - 1), i % 10 == 0 ? new WalSnapshot(i - 5, i - 5) : null, false);
            }
            assertThat(wal.segmentPaths()).hasSizeGreaterThan(3);
        }
        try (Wal wal = Wal.open(tmp, small())) {
            WalContents c = wal.readAll(55);
            assertThat(c.hardState()).isEqualTo(new WalHardState(60, 0, 59));
            assertThat(c.snapshot()).isEqualTo(new WalSnapshot(55, 55));
            assertThat(c.entries()).extracting(WalEntry::index).containsExactly(56L, 57L, 58L, 59L, 60L);
        }
    }
}
