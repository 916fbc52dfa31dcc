package io.cairn.storage.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** Shared helpers for the WAL tests (not a test class itself). */
final class WalTestSupport {

    private WalTestSupport() {
    }

    static WalOptions small() {
        return WalOptions.defaults().withSegmentSizeBytes(1024);
    }

    static WalEntry entry(long index, long term) {
        return new WalEntry(index, term, (int) (index % 3), ("entry-" + index + "-t" + term).getBytes(StandardCharsets.UTF_8));
    }

    static List<WalEntry> entries(long from, long to, long term) {
        List<WalEntry> out = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            out.add(entry(i, term));
        }
        return out;
    }

    static List<Path> segments(Path dir) throws IOException {
        return SegmentFile.list(dir).stream().map(SegmentFile.Name::path).toList();
    }

    static void flipBit(Path file, long offset, int bit) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ (1 << bit)));
            b.rewind();
            ch.write(b, offset);
        }
    }

    static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    /** Overwrites [from, to) with {@code value}, extending the file if needed. */
    static void fill(Path file, long from, long to, byte value) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            byte[] a = new byte[(int) (to - from)];
            java.util.Arrays.fill(a, value);
            ByteBuffer b = ByteBuffer.wrap(a);
            long pos = from;
            while (b.hasRemaining()) {
                pos += ch.write(b, pos);
            }
        }
    }

    static byte[] read(Path file) throws IOException {
        return Files.readAllBytes(file);
    }
}
