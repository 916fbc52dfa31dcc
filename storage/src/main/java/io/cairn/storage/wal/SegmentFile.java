package io.cairn.storage.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Segment file naming and the file-system steps that must be ordered carefully: creation via a pre-allocated temp
 * file plus rename, and directory fsyncs so that creations, renames and deletions survive a crash.
 */
final class SegmentFile {

    static final String SUFFIX = ".wal";
    static final String TEMP_SUFFIX = ".wal.tmp";
    private static final Pattern NAME = Pattern.compile("([0-9a-f]{16})-([0-9a-f]{16})\\.wal");
    private static final int ZERO_CHUNK = 64 * 1024;

    /** A segment on disk: its sequence number and the first log index it was opened for, both also in its header. */
    record Name(long seq, long firstIndex, Path path) {
    }

    private SegmentFile() {
    }

    static String fileName(long seq, long firstIndex) {
        return String.format("%016x-%016x%s", seq, firstIndex, SUFFIX);
    }

    /** All segments in {@code dir}, ordered by sequence number. A {@code .wal} file we cannot parse is corruption. */
    static List<Name> list(Path dir) throws IOException {
        List<Name> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path p : ds) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (!m.matches()) {
                    throw new WalCorruptionException(p, 0, "unexpected file name in WAL directory");
                }
                names.add(new Name(Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(2), 16), p));
            }
        }
        names.sort(Comparator.comparingLong(Name::seq));
        return names;
    }

    /** Temp files are half-created segments from a crash during creation; they never held acknowledged data. */
    static void deleteTemps(Path dir) throws IOException {
        boolean any = false;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + TEMP_SUFFIX)) {
            for (Path p : ds) {
                Files.delete(p);
                any = true;
            }
        }
        if (any) {
            fsyncDir(dir);
        }
    }

    /** Makes creations, renames and deletions in {@code dir} durable (works on Linux; directories open read-only). */
    static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * Creates segment {@code seq} holding {@code initial} (its header and carried state records). Everything is
     * written and fsynced under a temp name first and only then renamed, so a segment that is visible under its
     * real name always has an intact header; replay relies on that (WAL.md).
     */
    static Name create(Path dir, long seq, long firstIndex, ByteBuffer initial, long preallocateTo) throws IOException {
        String name = fileName(seq, firstIndex);
        Path tmp = dir.resolve(name.substring(0, name.length() - SUFFIX.length()) + TEMP_SUFFIX);
        Path target = dir.resolve(name);
        if (Files.exists(target)) {
            throw new IOException("WAL segment already exists: " + target);
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            long end = writeFully(ch, initial, 0);
            writeZeros(ch, end, preallocateTo);
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        fsyncDir(dir);
        return new Name(seq, firstIndex, target);
    }

    static long writeFully(FileChannel ch, ByteBuffer src, long pos) throws IOException {
        while (src.hasRemaining()) {
            pos += ch.write(src, pos);
        }
        return pos;
    }

    /** Writes real zeros (not a sparse hole) so blocks are allocated now rather than on the fsync path. */
    static void writeZeros(FileChannel ch, long from, long to) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZERO_CHUNK, Math.max(0, to - from)));
        while (from < to) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), to - from));
            from = writeFully(ch, zeros, from);
        }
    }
}
