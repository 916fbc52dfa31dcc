package io.cairn.storage.wal;

import static io.cairn.storage.wal.WalTestSupport.entries;
import static io.cairn.storage.wal.WalTestSupport.entry;
import static io.cairn.storage.wal.WalTestSupport.segments;
import static io.cairn.storage.wal.WalTestSupport.small;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalRoundTripTest {

    @TempDir
    Path tmp;

    @Test
    void freshWalIsEmptyAndKeepsMetadata() throws IOException {
        Path dir = tmp.resolve("new/wal");
        byte[] meta = "member=1,cluster=7".getBytes(StandardCharsets.UTF_8);
        assertThat(Wal.exists(dir)).isFalse();
        try (Wal wal = Wal.open(dir, small().withMetadata(meta))) {
            WalContents c = wal.readAll(0);
            assertThat(c.metadata()).isEqualTo(meta);
            assertThat(c.hardState()).isEqualTo(WalHardState.EMPTY);
            assertThat(c.snapshot()).isEqualTo(WalSnapshot.NONE);
            assertThat(c.entries()).isEmpty();
            assertThat(wal.lastIndex()).isZero();
        }
        assertThat(Wal.exists(dir)).isTrue();
        // Metadata in the options only matters on creation.
        try (Wal wal = Wal.open(dir, small().withMetadata(new byte[] {9}))) {
            assertThat(wal.readAll(0).metadata()).isEqualTo(meta);
        }
    }

    @Test
    void roundTripAcrossManySegments() throws IOException {
        Random rnd = new Random(42);
        List<WalEntry> written = new ArrayList<>();
        WalHardState hs = WalHardState.EMPTY;
        try (Wal wal = Wal.open(tmp, small().withMetadata(new byte[] {1, 2, 3}))) {
            long next = 1;
            for (int batch = 0; batch < 120; batch++) {
                List<WalEntry> ents = new ArrayList<>();
                for (int i = rnd.nextInt(6); i > 0; i--) {
                    byte[] data = new byte[rnd.nextInt(rnd.nextInt(10) == 0 ? 3000 : 100)];
                    rnd.nextBytes(data);
                    ents.add(new WalEntry(next++, 1 + batch / 10, rnd.nextInt(3), data));
                }
                hs = new WalHardState(1 + batch / 10, 1, Math.max(0, next - 3));
                wal.save(ents, hs, batch % 7 == 0);
                written.addAll(ents);
            }
            assertThat(wal.lastIndex()).isEqualTo(next - 1);
        }
        assertThat(segments(tmp)).hasSizeGreaterThan(10);
        try (Wal wal = Wal.open(tmp, small())) {
            WalContents c = wal.readAll(0);
            assertThat(c.entries()).containsExactlyElementsOf(written);
            assertThat(c.hardState()).isEqualTo(hs);
            assertThat(c.metadata()).containsExactly(1, 2, 3);
            assertThat(wal.lastIndex()).isEqualTo(written.get(written.size() - 1).index());
            // From a snapshot index: only what follows it.
            assertThat(wal.readAll(100).entries()).containsExactlyElementsOf(written.subList(100, written.size()));
            assertThat(wal.readAll(written.size()).entries()).isEmpty();
        }
    }

    @Test
    void reopenAndAppend() throws IOException {
        try (Wal wal = Wal.open(tmp, small())) {
            wal.save(entries(1, 10, 1), new WalHardState(1, 1, 5), true);
        }
        try (Wal wal = Wal.open(tmp, small())) {
            assertThat(wal.readAll(0).entries()).containsExactlyElementsOf(entries(1, 10, 1));
            assertThat(wal.lastIndex()).isEqualTo(10);
            wal.save(entries(11, 60, 2), new WalHardState(2, 3, 40), false);
        }
        try (Wal wal = Wal.open(tmp, small())) {
            WalContents c = wal.readAll(0);
            List<WalEntry> expected = new ArrayList<>(entries(1, 10, 1));
            expected.addAll(entries(11, 60, 2));
            assertThat(c.entries()).containsExactlyElementsOf(expected);
            assertThat(c.hardState()).isEqualTo(new WalHardState(2, 3, 40));
            wal.save(List.of(entry(61, 2)), null, true);
        }
        try (Wal wal = Wal.open(tmp, small())) {
            assertThat(wal.readAll(59).entries()).containsExactly(entry(60, 2), entry(61, 2));
        }
    }

    @Test
    void segmentsArePreallocatedAndSealedExactly() throws IOException {
        try (Wal wal = Wal.open(tmp, small())) {
            wal.save(entries(1, 60, 1), null, false);
            wal.save(entries(61, 61, 1), null, false);
            List<Path> segs = wal.segmentPaths();
            assertThat(segs).hasSize(2);
            assertThat(Files.size(segs.get(1))).isEqualTo(1024);
            assertThat(Files.size(segs.get(0))).isGreaterThan(1024); // one batch went past the size, then sealed
            assertThat(segs.get(1).getFileName().toString()).isEqualTo("0000000000000001-000000000000003d.wal");
        }
        assertThat(tmp.resolve(Wal.LOCK_FILE)).exists();
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void withoutPreallocationFilesOnlyHoldRecords() throws IOException {
        try (Wal wal = Wal.open(tmp, small().withPreallocate(false))) {
            wal.save(entries(1, 5, 1), null, true);
            assertThat(Files.size(wal.segmentPaths().get(0))).isEqualTo(wal.tailOffset());
        }
        try (Wal wal = Wal.open(tmp, small().withPreallocate(false))) {
            assertThat(wal.readAll(0).entries()).hasSize(5);
        }
    }

    @Test
    void fsyncListenerSeesEachSync() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        List<Long> nanos = new ArrayList<>();
        try (Wal wal = Wal.open(tmp, small().withFsyncListener(n -> {
            calls.incrementAndGet();
            nanos.add(n);
        }))) {
            wal.save(entries(1, 1, 1), null, false);
            assertThat(calls).hasValue(0);
            wal.save(entries(2, 2, 1), null, true);
            assertThat(calls).hasValue(1);
            wal.sync();
            assertThat(calls).hasValue(2);
        }
        assertThat(calls).hasValue(3); // close syncs
        assertThat(nanos).allMatch(n -> n >= 0);
    }

    @Test
    void directoryIsLockedWhileOpen() throws IOException {
        try (Wal wal = Wal.open(tmp, small())) {
            assertThatThrownBy(() -> Wal.open(tmp, small())).isInstanceOf(IOException.class).hasMessageContaining("in use");
        }
        Wal.open(tmp, small()).close();
    }

    @Test
    void misuseIsRejected() throws IOException {
        try (Wal wal = Wal.open(tmp, small())) {
            assertThatThrownBy(() -> wal.save(List.of(entry(2, 1)), null, false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gap");
            assertThatThrownBy(() -> wal.save(List.of(entry(1, 1), entry(3, 1)), null, false))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("contiguous");
            wal.readAll(0); // still fine: nothing was written
            wal.save(entries(1, 3, 1), null, false);
            assertThatThrownBy(() -> wal.readAll(0)).isInstanceOf(IllegalStateException.class);
        }
        Wal wal = Wal.open(tmp, small());
        wal.close();
        wal.close();
        assertThatThrownBy(() -> wal.save(List.of(), null, true)).isInstanceOf(IllegalStateException.class);
    }
}
