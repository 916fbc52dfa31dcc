package io.cairn.server.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Progress on a terminal: redrawn in place at most every 200 ms, silent off a terminal or for a small file. */
class ProgressTest {
  final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
  final AtomicLong now = new AtomicLong();
  static final long GIB = 1L << 30;

  private String printed() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aLargeFileOnATerminalIsRedrawnInPlaceAndEndsWithItsTotal() {
    Progress p = new Progress("restoring backup.db", 2 * GIB, out, true, now::get);
    p.advance(GIB / 2); // within the first 200 ms: nothing drawn yet
    assertThat(printed()).isEmpty();
    now.addAndGet(250_000_000L);
    p.advance(GIB / 2);
    assertThat(printed()).isEqualTo("\rrestoring backup.db: 50% (1.0 of 2.0 GiB)");
    now.addAndGet(100_000_000L);
    p.advance(GIB / 2); // too soon after the last draw
    assertThat(printed()).isEqualTo("\rrestoring backup.db: 50% (1.0 of 2.0 GiB)");
    p.advance(GIB / 2);
    p.finish();
    assertThat(printed()).endsWith("\rrestoring backup.db: 100% (2.0 of 2.0 GiB)\n");
  }

  @Test
  void nothingIsShownOffATerminalOrForASmallFile() {
    Progress script = new Progress("restoring", 2 * GIB, out, false, now::get);
    Progress small = new Progress("restoring", Progress.SHOWN_FROM_BYTES - 1, out, true, now::get);
    for (int i = 0; i < 10; i++) {
      now.addAndGet(300_000_000L);
      script.advance(GIB / 5);
      small.advance(1 << 20);
    }
    script.finish();
    small.finish();
    assertThat(printed()).isEmpty();
  }
}
