package io.cairn.storage.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The positions ring keeps every live entry's record through forgetting, wrapping, growing and truncation. */
class EntryPositionsTest {

    private static void add(EntryPositions p, long index) {
        p.add(index, index / 10, index * 100, (int) index + 7, (int) index * 31);
    }

    private static void assertHolds(EntryPositions p, long from, long to) {
        for (long i = from; i <= to; i++) {
            assertThat(p.get(i)).as("entry " + i)
                    .isEqualTo(new EntryPositions.Position(i / 10, i * 100, (int) i + 7, (int) i * 31));
        }
        assertThat(p.contains(from - 1)).isFalse();
        assertThat(p.contains(to + 1)).isFalse();
    }

    @Test
    void wrapsAndGrowsWithoutLosingOrder() {
        EntryPositions p = new EntryPositions();
        for (long i = 1; i <= 64; i++) {
            add(p, i);
        }
        p.forgetBelow(41); // the ring's start moves to slot 40
        for (long i = 65; i <= 300; i++) { // wraps past the end, then grows twice from a wrapped ring
            add(p, i);
        }
        assertHolds(p, 41, 300);
        assertThat(p.count()).isEqualTo(260);
    }

    @Test
    void aConflictTruncatesAndAJumpStartsAfresh() {
        EntryPositions p = new EntryPositions();
        for (long i = 1; i <= 100; i++) {
            add(p, i);
        }
        p.forgetBelow(30);
        add(p, 80); // a new leader's entry 80 replaces 80..100
        assertHolds(p, 30, 80);
        add(p, 90); // past a snapshot marker: the log restarts at 90
        assertHolds(p, 90, 90);
        add(p, 90); // at the first entry: replaces everything
        assertHolds(p, 90, 90);
        assertThatThrownBy(() -> p.get(89)).isInstanceOf(IllegalArgumentException.class);
    }
}
