package io.cairn.storage.bbolt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.BitSet;

/**
 * A bucket: a B+tree of branch and leaf pages from its root page, or, for a small bucket, one inline leaf page stored
 * in its parent's value right after the 16-byte bucket header (root page 0 there means inline). Entries come in
 * key order (unsigned bytes), as bbolt keeps them.
 */
public final class BoltBucket {
  /** Deeper than any real tree (bbolt splits pages at half full): a cycle or damage, not data. */
  private static final int MAX_DEPTH = 64;
  private static final int BUCKET_HEADER = 16;

  private final BoltFile file;
  private final long rootPage;
  private final BoltPage inline;

  BoltBucket(BoltFile file, long rootPage, BoltPage inline) {
    this.file = file;
    this.rootPage = rootPage;
    this.inline = inline;
  }

  /** One entry: a key with its value, or a key naming a nested bucket. */
  @FunctionalInterface
  public interface Visitor {
    /** {@code value} is null when the key names a nested bucket. */
    void visit(byte[] key, byte[] value);
  }

  /** Whether this bucket is stored inline in its parent's value. */
  public boolean isInline() {
    return inline != null;
  }

  /** Every entry in key order. */
  public void forEach(Visitor v) {
    walk(inline != null ? inline : file.page(rootPage), v, 0, new BitSet());
  }

  /** {@code seen}: pages already walked; a damaged file whose branches share pages would otherwise never end. */
  private void walk(BoltPage p, Visitor v, int depth, BitSet seen) {
    if (depth > MAX_DEPTH) {
      throw new BoltFormatException("bucket tree deeper than " + MAX_DEPTH + " at page " + p.id);
    }
    if (p.isBranch()) {
      for (int i = 0; i < p.count; i++) {
        long child = p.child(i);
        BoltPage c = file.page(child); // checks the id is within the file first
        if (seen.get((int) child)) {
          throw new BoltFormatException("page " + child + " is reached twice in one bucket");
        }
        seen.set((int) child);
        walk(c, v, depth + 1, seen);
      }
    } else if (p.isLeaf()) {
      for (int i = 0; i < p.count; i++) {
        boolean nested = (p.leafFlags(i) & BoltPage.BUCKET_LEAF) != 0;
        v.visit(p.leafKey(i), nested ? null : p.leafValue(i));
      }
    } else {
      throw new BoltFormatException("page " + p.id + " has flags 0x" + Integer.toHexString(p.flags)
          + " where a branch or leaf page belongs");
    }
  }

  long rootPageForTest() {
    return rootPage;
  }

  /** Levels of the tree: 1 when the root is a leaf (test hook). */
  int height() {
    int h = 1;
    for (BoltPage p = inline != null ? inline : file.page(rootPage); p.isBranch(); p = file.page(p.child(0))) {
      if (++h > MAX_DEPTH) {
        throw new BoltFormatException("bucket tree deeper than " + MAX_DEPTH);
      }
    }
    return h;
  }

  /** The nested bucket {@code name}, or null if there is none (or {@code name} holds a plain value). */
  public BoltBucket bucket(byte[] name) {
    BoltPage p = inline != null ? inline : file.page(rootPage);
    for (int depth = 0; p.isBranch(); depth++) {
      if (depth > MAX_DEPTH || p.count == 0) {
        throw new BoltFormatException("damaged branch page " + p.id);
      }
      // the last child whose first key is <= name
      int child = 0;
      for (int i = 1; i < p.count && Arrays.compareUnsigned(p.branchKey(i), name) <= 0; i++) {
        child = i;
      }
      p = file.page(p.child(child));
    }
    if (!p.isLeaf()) {
      throw new BoltFormatException("page " + p.id + " is neither a branch nor a leaf page");
    }
    for (int i = 0; i < p.count; i++) {
      if (Arrays.equals(p.leafKey(i), name)) {
        return (p.leafFlags(i) & BoltPage.BUCKET_LEAF) != 0 ? open(p.leafValue(i)) : null;
      }
    }
    return null;
  }

  private BoltBucket open(byte[] header) {
    if (header.length < BUCKET_HEADER) {
      throw new BoltFormatException("bucket header of " + header.length + " bytes");
    }
    long root = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    if (root != 0) {
      return new BoltBucket(file, root, null);
    }
    return new BoltBucket(file, 0, new BoltPage(header, BUCKET_HEADER, header.length));
  }
}
