package io.cairn.server.backup;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress of a long pass over a snapshot file (its hash check, copying its files out), shown on a terminal as one
 * line redrawn in place: {@code restoring backup.db: 42% (1.1 of 2.6 GiB)}. Silent when the output is not a terminal
 * (a script's log) or the file is small enough to be done at once; redrawn at most every 200 ms.
 */
final class Progress {
  /** Below this a pass takes well under a second: no progress is shown. */
  static final long SHOWN_FROM_BYTES = 64L << 20;
  private static final long REDRAW_NANOS = 200_000_000L;

  private final String what;
  private final long total;
  private final PrintStream out;
  private final LongSupplier nanos;
  private final boolean shown;
  private long done;
  private long lastDraw;
  private boolean drawn;

  Progress(String what, long total, PrintStream out, boolean terminal, LongSupplier nanos) {
    this.what = what;
    this.total = total;
    this.out = out;
    this.nanos = nanos;
    this.shown = terminal && total >= SHOWN_FROM_BYTES;
    this.lastDraw = nanos.getAsLong();
  }

  /** For the command line: stderr, shown when the process has a terminal. */
  static Progress onTerminal(String what, long total) {
    return new Progress(what, total, System.err, System.console() != null, System::nanoTime);
  }

  /** Quiet, for callers that are not a command line. */
  static Progress none() {
    return new Progress("", 0, System.err, false, () -> 0);
  }

  void advance(long bytes) {
    done += bytes;
    if (shown && nanos.getAsLong() - lastDraw >= REDRAW_NANOS) {
      lastDraw = nanos.getAsLong();
      draw();
    }
  }

  /** Draws the final figure and ends the line, if anything was drawn. */
  void finish() {
    if (shown && drawn) {
      draw();
      out.print('\n');
      out.flush();
    }
  }

  private void draw() {
    drawn = true;
    out.print(line());
    out.flush();
  }

  String line() {
    double gib = 1024.0 * 1024 * 1024;
    return String.format(Locale.ROOT, "\r%s: %d%% (%.1f of %.1f GiB)", what,
        total == 0 ? 100 : Math.min(100, done * 100 / total), done / gib, total / gib);
  }
}
