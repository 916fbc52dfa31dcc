package io.cairn.server.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/** The key shapes of clientv3/concurrency: Go's %x of an int64 and clientv3's prefix end. */
class KeysTest {
  static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  @Test
  void candidateKeysUseGosHexOfTheLease() {
    assertThat(Keys.candidate(bs("n/"), 0x694d7a3b5c1e2f04L)).isEqualTo(bs("n/694d7a3b5c1e2f04"));
    assertThat(Keys.candidate(bs("n/"), 0xabcL)).isEqualTo(bs("n/abc"));
    assertThat(Keys.candidate(bs("n/"), -26)).isEqualTo(bs("n/-1a"));
    assertThat(Keys.candidate(bs("n/"), Long.MIN_VALUE)).isEqualTo(bs("n/-8000000000000000"));
  }

  @Test
  void prefixEndIsClientv3s() {
    assertThat(Keys.prefixEnd(bs("lock/"))).isEqualTo(bs("lock0"));
    assertThat(Keys.prefixEnd(ByteString.copyFrom(new byte[] {'a', (byte) 0xff}))).isEqualTo(bs("b"));
    assertThat(Keys.prefixEnd(ByteString.copyFrom(new byte[] {(byte) 0xff}))).isEqualTo(ByteString.copyFrom(new byte[] {0}));
  }
}
