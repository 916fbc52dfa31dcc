package io.cairn.storage.wal;

import static io.cairn.storage.wal.WalTestSupport.entries;
import static io.cairn.storage.wal.WalTestSupport.segments;
import static io.cairn.storage.wal.WalTestSupport.small;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalReleaseTest {

    @TempDir
    Path tmp;

    /** Each save of 30 small entries overflows a 1 KiB segment, so segment k starts at index 30k + 1. */
    private Wal walWithSegments(int n) throws IOException {
        Wal wal = Wal.open(tmp, small().withMetadata(new byte[] {7}));
        for (int k = 0; k < n; k++) {
            wal.save(entries(30L * k + 1, 30L * k + 30, 1), new WalHardState(1, 1, 30L * k + 30), false);
        }
        return wal;
    }

    private static long firstIndex(Path p) {
        return Long.parseLong(p.getFileName().toString().substring(17, 33), 16);
    }

    @Test
    void releasesSegmentsBeforeTheOneContainingIndex() throws IOException {
        try (Wal wal = walWithSegments(5)) {
            List<Path> before = wal.segmentPaths();
            assertThat(before).extracting(WalReleaseTest::firstIndex).containsExactly(1L, 31L, 61L, 91L, 121L, 151L);
            wal.releaseTo(75); // 75 lives in the segment starting at 61
            assertThat(wal.segmentPaths()).isEqualTo(before.subList(2, 6));
            assertThat(segments(tmp)).isEqualTo(before.subList(2, 6));
            wal.releaseTo(61); // boundary: the segment starting at 61 contains 61, keep it
            assertThat(wal.segmentPaths()).hasSize(4);
            wal.releaseTo(10); // nothing older left to release
            assertThat(wal.segmentPaths()).hasSize(4);
        }
        try (Wal wal = Wal.open(tmp, small())) {
            WalContents c = wal.readAll(75);
            assertThat(c.entries()).containsExactlyElementsOf(entries(76, 150, 1));
            assertThat(c.metadata()).containsExactly(7); // carried into every segment
            assertThat(c.hardState()).isEqualTo(new WalHardState(1, 1, 150));
            assertThat(wal.lastIndex()).isEqualTo(150);
            wal.save(entries(151, 152, 1), null, true);
        }
        try (Wal wal = Wal.open(tmp, small())) {
            assertThat(wal.readAll(75).entries()).hasSize(77);
        }
    }

    @Test
    void neverReleasesTheTailSegment() throws IOException {
        try (Wal wal = walWithSegments(3)) {
            List<Path> before = wal.segmentPaths();
            wal.releaseTo(Long.MAX_VALUE);
            assertThat(wal.segmentPaths()).containsExactly(before.get(before.size() - 1));
            wal.save(entries(91, 95, 1), null, true);
        }
        try (Wal wal = Wal.open(tmp, small())) {
            assertThat(wal.readAll(90).entries()).containsExactlyElementsOf(entries(91, 95, 1));
            assertThat(wal.readAll(90).metadata()).containsExactly(7);
        }
    }

    @Test
    void releasedWalStillKeepsSnapshotMarker() throws IOException {
        try (Wal wal = walWithSegments(2)) {
            wal.save(List.of(), null, new WalSnapshot(50, 1), false);
            wal.save(entries(61, 90, 1), null, false); // cuts; the new segment repeats the marker
            wal.releaseTo(50);
            assertThat(wal.segmentPaths()).extracting(WalReleaseTest::firstIndex).containsExactly(31L, 61L, 91L);
            wal.releaseTo(91);
            assertThat(wal.segmentPaths()).extracting(WalReleaseTest::firstIndex).containsExactly(91L);
        }
        try (Wal wal = Wal.open(tmp, small())) {
            WalContents c = wal.readAll(90);
            assertThat(c.snapshot()).isEqualTo(new WalSnapshot(50, 1));
            assertThat(c.entries()).isEmpty();
            assertThat(wal.lastIndex()).isEqualTo(90);
        }
    }
}
