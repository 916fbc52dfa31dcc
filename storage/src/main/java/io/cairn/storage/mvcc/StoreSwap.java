package io.cairn.storage.mvcc;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces a store directory with a prepared one so that a crash at any point leaves exactly one complete store
 * under the store's name, or a state {@link #recover} turns into one:
 *
 * <ol>
 *   <li>{@code store} is renamed to {@code store.replaced} (directory fsynced);
 *   <li>the prepared directory is renamed to {@code store} (directory fsynced);
 *   <li>{@code store.replaced} is deleted.
 * </ol>
 *
 * A crash after 1 leaves no {@code store}: recovery renames {@code store.replaced} back (the old store is intact; the
 * caller's log still says how far it must go, and restores again). A crash after 2 leaves both: the swap happened,
 * and recovery deletes the old one. Only one swap runs at a time (the store's single writer).
 */
final class StoreSwap {
  private static final Logger LOG = LoggerFactory.getLogger(StoreSwap.class);
  private static final String REPLACED = ".replaced";
  /** Where a caller prepares the copy to swap in; a leftover one is a swap that never started. */
  static final String RESTORING = ".restoring";

  private StoreSwap() {}

  static void swap(Path store, Path prepared) throws IOException {
    Path replaced = sibling(store, REPLACED);
    deleteTree(replaced);
    Files.move(store, replaced, StandardCopyOption.ATOMIC_MOVE);
    syncDir(store.getParent());
    Files.move(prepared, store, StandardCopyOption.ATOMIC_MOVE);
    syncDir(store.getParent());
    deleteTree(replaced);
  }

  /** Before a store is opened: finishes or undoes a swap a crash interrupted, and removes what it left. */
  static void recover(Path store) throws IOException {
    Path replaced = sibling(store, REPLACED);
    Path parent = store.toAbsolutePath().getParent();
    if (!Files.isDirectory(parent)) {
      return;
    }
    if (!Files.exists(store) && Files.isDirectory(replaced)) {
      LOG.warn("{} is missing after an interrupted snapshot install; putting back the store it replaced", store);
      Files.move(replaced, store, StandardCopyOption.ATOMIC_MOVE);
      syncDir(parent);
    }
    String name = store.getFileName().toString();
    try (Stream<Path> s = Files.list(parent)) {
      for (Path p : s.toList()) {
        String n = p.getFileName().toString();
        // store.replaced (a finished swap), store.replaced-<nanos> (older releases), store.restoring (unused copy)
        if (n.startsWith(name + REPLACED) || n.equals(name + RESTORING)) {
          LOG.info("removing {} left by an interrupted snapshot install", p);
          deleteTree(p);
        }
      }
    }
  }

  static Path sibling(Path store, String suffix) {
    return store.resolveSibling(store.getFileName() + suffix);
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static void syncDir(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
