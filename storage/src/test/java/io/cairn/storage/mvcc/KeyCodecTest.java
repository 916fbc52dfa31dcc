package io.cairn.storage.mvcc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import com.google.protobuf.ByteString;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/** The kv key layout must order user keys byte-wise and versions newest first. */
class KeyCodecTest {
  /** Short keys over a tiny alphabet, so prefixes, zero bytes and 0xFF bytes collide often. */
  static final Gen<ByteString> KEYS = Generate.byteArrays(Generate.range(0, 4),
      Generate.pick(java.util.List.of((byte) 0, (byte) 1, (byte) 2, (byte) 0xFE, (byte) 0xFF)))
      .map((byte[] b) -> ByteString.copyFrom(b));

  @Test
  void prefixesPreserveKeyOrderAndAreNeverPrefixesOfEachOther() {
    qt().withFixedSeed(42).withExamples(5000).forAll(KEYS, KEYS).checkAssert((a, b) -> {
      int expected = Integer.signum(KeyRange.BYTES.compare(a, b));
      byte[] pa = KeyCodec.prefix(a);
      byte[] pb = KeyCodec.prefix(b);
      assertThat(Integer.signum(Arrays.compareUnsigned(pa, pb))).isEqualTo(expected);
      // whole version keys of different user keys order like the user keys, whatever the revisions
      byte[] va = KeyCodec.versionKey(pa, 5, 0, KeyCodec.KIND_PUT);
      byte[] vb = KeyCodec.versionKey(pb, 9, 3, KeyCodec.KIND_TOMBSTONE);
      if (expected != 0) assertThat(Integer.signum(Arrays.compareUnsigned(va, vb))).isEqualTo(expected);
      if (!a.equals(b)) assertThat(KeyCodec.hasPrefix(vb, pa)).isFalse();
      // the escaped key without terminator sorts at or before every version key of keys >= a
      if (expected <= 0) assertThat(Arrays.compareUnsigned(KeyCodec.escaped(a), vb)).isNegative();
      // pastAllVersions(a) lands after all of a's versions and at or before any greater key
      if (expected < 0) assertThat(Arrays.compareUnsigned(KeyCodec.pastAllVersions(pa), vb)).isNegative();
      assertThat(Arrays.compareUnsigned(KeyCodec.pastAllVersions(pa), va)).isPositive();
    });
  }

  @Test
  void versionsOfAKeySortNewestFirstAndRoundTrip() {
    qt().withFixedSeed(7).withExamples(2000)
        .forAll(KEYS, longs().between(0, Long.MAX_VALUE), longs().between(0, Long.MAX_VALUE),
            integers().between(0, Integer.MAX_VALUE))
        .checkAssert((k, r1, r2, sub) -> {
          byte[] p = KeyCodec.prefix(k);
          byte[] v1 = KeyCodec.versionKey(p, r1, sub, KeyCodec.KIND_PUT);
          byte[] v2 = KeyCodec.versionKey(p, r2, 0, KeyCodec.KIND_PUT);
          if (r1 > r2) assertThat(Arrays.compareUnsigned(v1, v2)).isNegative();
          assertThat(KeyCodec.userKey(v1)).isEqualTo(k);
          assertThat(KeyCodec.revision(v1)).isEqualTo(r1);
          assertThat(KeyCodec.sub(v1)).isEqualTo(sub);
          assertThat(KeyCodec.isTombstone(v1)).isFalse();
          assertThat(KeyCodec.hasPrefix(v1, p)).isTrue();
          // seeking "at or below r1" lands on v1 or before it, and after every version newer than r1
          byte[] seek = KeyCodec.seekAtOrBelow(p, r1);
          assertThat(Arrays.compareUnsigned(seek, v1)).isNegative();
          if (r2 > r1) assertThat(Arrays.compareUnsigned(v2, seek)).isNegative();
        });
  }

  @Test
  void higherSubRevisionSortsFirstWithinARevision() {
    byte[] p = KeyCodec.prefix(ByteString.copyFromUtf8("k"));
    assertThat(Arrays.compareUnsigned(KeyCodec.versionKey(p, 5, 2, KeyCodec.KIND_PUT),
        KeyCodec.versionKey(p, 5, 1, KeyCodec.KIND_TOMBSTONE))).isNegative();
    byte[] r1 = KeyCodec.revKey(5, 1);
    byte[] r2 = KeyCodec.revKey(5, 2);
    byte[] r3 = KeyCodec.revKey(6, 0);
    assertThat(Arrays.compareUnsigned(r1, r2)).isNegative();
    assertThat(Arrays.compareUnsigned(r2, r3)).isNegative();
    assertThat(KeyCodec.revKeyRevision(r2)).isEqualTo(5);
    assertThat(KeyCodec.revKeySub(r2)).isEqualTo(2);
  }
}
