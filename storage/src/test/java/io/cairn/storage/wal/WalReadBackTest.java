package io.cairn.storage.wal;

import static io.cairn.storage.wal.WalTestSupport.entries;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Entries read back one by one from their records ({@link Wal#readEntries}) are the log's live entries. */
class WalReadBackTest {

    @TempDir
    Path tmp;

    /**
     * Random appends, conflict truncations, snapshot markers jumping ahead, releases and reopenings, on segments of
     * 1 KiB so that entries span many files: after every step each live entry reads back as the model holds it.
     */
    @Test
    void readBackMatchesTheLiveLogUnderRandomHistories() throws IOException {
        long seed = Long.getLong("walReadBack.seed", System.nanoTime());
        Random rnd = new Random(seed);
        String replay = "replay with -DwalReadBack.seed=" + seed;
        for (int round = 0; round < 20; round++) {
            Path dir = tmp.resolve("r" + round);
            List<WalEntry> model = new ArrayList<>(); // live entries, contiguous
            long term = 1;
            long forgotten = 0; // entries below this were forgotten by the caller
            Wal wal = Wal.open(dir, small());
            try {
                for (int step = 0; step < 60; step++) {
                    int op = rnd.nextInt(10);
                    long last = model.isEmpty() ? wal.lastIndex() : model.get(model.size() - 1).index();
                    if (op < 6 || model.isEmpty()) {
                        List<WalEntry> add = randomEntries(rnd, last + 1, 1 + rnd.nextInt(12), term);
                        wal.save(add, null, rnd.nextBoolean());
                        model.addAll(add);
                    } else if (op < 8) {
                        // a new leader overwrites a suffix that was never committed
                        long first = model.get(0).index();
                        long from = Math.max(Math.max(first + 1, forgotten), last - rnd.nextInt(8));
                        if (from > last) {
                            continue;
                        }
                        term++;
                        List<WalEntry> add = randomEntries(rnd, from, 1 + rnd.nextInt(5), term);
                        wal.save(add, null, true);
                        model.subList((int) (from - first), model.size()).clear();
                        model.addAll(add);
                    } else if (op == 8) {
                        // a snapshot from the leader past the log: what follows starts a new log
                        long snap = last + 1 + rnd.nextInt(5);
                        List<WalEntry> add = randomEntries(rnd, snap + 1, 1 + rnd.nextInt(4), term);
                        wal.save(List.of(), null, new WalSnapshot(snap, term), true);
                        wal.save(add, null, true);
                        model.clear();
                        model.addAll(add);
                        forgotten = 0;
                    } else {
                        wal.close();
                        wal = Wal.open(dir, small());
                        forgotten = 0;
                    }
                    long first = model.get(0).index();
                    if (Boolean.getBoolean("walReadBack.debug")) {
                        System.out.println("op " + op + " model " + first + ".." + model.get(model.size() - 1).index()
                                + " wal last " + wal.lastIndex() + " forgotten " + forgotten);
                    }
                    if (rnd.nextInt(4) == 0 && model.size() > 2) {
                        forgotten = Math.max(forgotten, first + rnd.nextInt(model.size() / 2));
                        wal.forgetEntriesBelow(forgotten);
                    }
                    long from = Math.max(first, forgotten);
                    long to = model.get(model.size() - 1).index() + 1;
                    List<WalEntry> expected = model.subList((int) (from - first), model.size());
                    assertThat(wal.readEntries(from, to, Long.MAX_VALUE)).as(replay + ", round " + round + " step "
                            + step).containsExactlyElementsOf(expected);
                    long lo = from + rnd.nextInt((int) (to - from));
                    List<WalEntry> part = wal.readEntries(lo, to, rnd.nextInt(200));
                    assertThat(part).as(replay).isNotEmpty()
                            .containsExactlyElementsOf(model.subList((int) (lo - first), (int) (lo - first)
                                    + part.size()));
                }
            } catch (RuntimeException e) {
                throw new AssertionError(replay + ", round " + round, e);
            } finally {
                wal.close();
            }
        }
    }

    @Test
    void maxBytesBoundsTheReadButNeverBelowOneEntry() throws IOException {
        try (Wal wal = Wal.open(tmp, small())) {
            wal.save(entries(1, 20, 1), null, true);
            assertThat(wal.readEntries(3, 21, 0)).hasSize(1);
            int one = 12 + 1 + 20 + "entry-10-t1".length(); // header, type, index/term/type, data
            assertThat(wal.readEntries(10, 21, 3L * one)).hasSize(3);
            assertThat(wal.readEntries(10, 21, 3L * one - 1)).hasSize(2);
        }
    }

    @Test
    void aRecordDamagedAfterItWasWrittenFailsTheReadInsteadOfReturningOtherBytes() throws IOException {
        try (Wal wal = Wal.open(tmp, WalOptions.defaults().withPreallocate(false))) {
            wal.save(entries(1, 5, 1), null, true);
            Path seg = wal.segmentPaths().get(0);
            byte[] bytes = Files.readAllBytes(seg);
            int at = indexOf(bytes, "entry-3-t1".getBytes(StandardCharsets.UTF_8));
            WalTestSupport.flipBit(seg, at + 2, 4);
            assertThat(wal.readEntries(1, 3, Long.MAX_VALUE)).hasSize(2);
            assertThatThrownBy(() -> wal.readEntries(1, 6, Long.MAX_VALUE))
                    .isInstanceOf(WalCorruptionException.class).hasMessageContaining("entry 3");
        }
    }

    @Test
    void entriesNotInTheLogAreRefused() throws IOException {
        try (Wal wal = Wal.open(tmp, small())) {
            for (long i = 1; i <= 200; i += 10) {
                wal.save(entries(i, i + 9, 1), null, true);
            }
            wal.forgetEntriesBelow(50);
            assertThatThrownBy(() -> wal.readEntries(49, 51, Long.MAX_VALUE))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> wal.readEntries(200, 202, Long.MAX_VALUE))
                    .isInstanceOf(IllegalArgumentException.class);
            wal.releaseTo(150);
            assertThatThrownBy(() -> wal.readEntries(50, 51, Long.MAX_VALUE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("released");
            assertThat(wal.readEntries(150, 201, Long.MAX_VALUE)).containsExactlyElementsOf(entries(150, 200, 1));
        }
    }

    private static List<WalEntry> randomEntries(Random rnd, long from, int n, long term) {
        List<WalEntry> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] data = new byte[rnd.nextInt(300)];
            rnd.nextBytes(data);
            out.add(new WalEntry(from + i, term, rnd.nextInt(3), data));
        }
        return out;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
