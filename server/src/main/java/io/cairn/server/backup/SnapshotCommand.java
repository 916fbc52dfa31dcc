package io.cairn.server.backup;

import io.cairn.server.config.FlagException;
import io.cairn.server.config.FlagParser;
import io.cairn.server.config.ServerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code cairn snapshot status|restore}: etcdutl's offline commands with its names, flags and output shapes, for
 * Cairn backup files (those {@code etcdctl snapshot save} writes from a Cairn member) and for snapshot files saved
 * from etcd 3.4–3.7 (migration: docs/operations.md).
 */
public final class SnapshotCommand {
  private static final Set<String> RESTORE_FLAGS = Set.of("name", "data-dir", "initial-cluster",
      "initial-cluster-token", "initial-advertise-peer-urls");

  private SnapshotCommand() {}

  /** Runs the command; returns the process exit code (0 ok, 1 error, as etcdutl). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    try {
      if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
        out.print(usage());
        return args.length == 0 ? 1 : 0;
      }
      List<String> positional = new ArrayList<>();
      List<String> flags = new ArrayList<>();
      split(args, 1, positional, flags);
      switch (args[0]) {
        case "status" -> status(file(positional, "status"), flags, out);
        case "restore" -> restore(file(positional, "restore"), flags, out);
        case "save" -> throw new FlagException("cairn does not download snapshots itself: use "
            + "'ETCDCTL_API=3 etcdctl --endpoints <member> snapshot save <file>'");
        default -> throw new FlagException("unknown command \"" + args[0] + "\" for \"cairn snapshot\"");
      }
      return 0;
    } catch (FlagException | IOException | RuntimeException e) {
      err.println("Error: " + e.getMessage());
      return 1;
    }
  }

  private static void status(Path file, List<String> flags, PrintStream out) throws IOException, FlagException {
    String format = "simple";
    for (int i = 0; i < flags.size(); i++) {
      String f = flags.get(i);
      String name = f.replaceFirst("^--?", "");
      String value = null;
      if (name.contains("=")) {
        value = name.substring(name.indexOf('=') + 1);
        name = name.substring(0, name.indexOf('='));
      }
      if (!name.equals("w") && !name.equals("write-out")) {
        throw new FlagException("unknown flag: " + f);
      }
      if (value == null) {
        if (i + 1 >= flags.size()) {
          throw new FlagException("flag needs an argument: " + f);
        }
        value = flags.get(++i);
      }
      format = value;
    }
    if (!Set.of("simple", "table", "json", "fields").contains(format)) {
      throw new FlagException("unsupported output format \"" + format + "\" (simple, table, json or fields)");
    }
    out.print(format(SnapshotStatus.of(file), format));
  }

  /** etcdutl's four output shapes (as etcdctl 3.4 and etcdutl 3.5 print them). */
  static String format(SnapshotStatus s, String format) {
    String hash = Integer.toHexString(s.hash());
    long unsigned = Integer.toUnsignedLong(s.hash());
    return switch (format) {
      case "json" -> "{\"hash\":" + unsigned + ",\"revision\":" + s.revision() + ",\"totalKey\":" + s.totalKeys()
          + ",\"totalSize\":" + s.totalSize() + "}\n";
      case "fields" -> "\"Hash\" : " + unsigned + "\n\"Revision\" : " + s.revision() + "\n\"Keys\" : "
          + s.totalKeys() + "\n\"Size\" : " + s.totalSize() + "\n";
      case "table" -> table(List.of("HASH", "REVISION", "TOTAL KEYS", "TOTAL SIZE"),
          List.of(hash, Long.toString(s.revision()), Long.toString(s.totalKeys()), humanBytes(s.totalSize())));
      default -> hash + ", " + s.revision() + ", " + s.totalKeys() + ", " + humanBytes(s.totalSize()) + "\n";
    };
  }

  /** go-humanize's Bytes (SI units, one decimal below 10, Go's round-half-even), as etcd prints sizes. */
  static String humanBytes(long n) {
    if (n < 10) {
      return n + " B";
    }
    String[] units = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    int e = (int) Math.floor(Math.log(n) / Math.log(1000));
    double val = Math.floor(n / Math.pow(1000, e) * 10 + 0.5) / 10;
    BigDecimal v = new BigDecimal(val).setScale(val < 10 ? 1 : 0, RoundingMode.HALF_EVEN);
    return v.toPlainString() + " " + units[e];
  }

  /** tablewriter's layout as etcdctl uses it: centred headers, right-aligned cells. */
  private static String table(List<String> head, List<String> row) {
    StringBuilder sep = new StringBuilder("+");
    StringBuilder h = new StringBuilder("|");
    StringBuilder r = new StringBuilder("|");
    for (int i = 0; i < head.size(); i++) {
      int w = Math.max(head.get(i).length(), row.get(i).length()) + 2;
      sep.append("-".repeat(w)).append('+');
      int pad = w - head.get(i).length();
      h.append(" ".repeat(pad / 2)).append(head.get(i)).append(" ".repeat(pad - pad / 2)).append('|');
      r.append(" ".repeat(w - row.get(i).length() - 1)).append(row.get(i)).append(" |");
    }
    return sep + "\n" + h + "\n" + sep + "\n" + r + "\n" + sep + "\n";
  }

  private static void restore(Path file, List<String> flags, PrintStream out) throws IOException, FlagException {
    boolean skipHashCheck = false;
    List<String> serverFlags = new ArrayList<>();
    for (int i = 0; i < flags.size(); i++) {
      String f = flags.get(i);
      String name = f.replaceFirst("^--?", "").replaceFirst("=.*", "");
      if (name.equals("skip-hash-check")) {
        skipHashCheck = !f.endsWith("=false");
        continue;
      }
      if (!RESTORE_FLAGS.contains(name)) {
        throw new FlagException("unknown flag: " + f + " (restore takes --" + String.join(", --", RESTORE_FLAGS.stream()
            .sorted().toList()) + ", --skip-hash-check)");
      }
      serverFlags.add(f);
      if (!f.contains("=") && i + 1 < flags.size()) {
        serverFlags.add(flags.get(++i));
      }
    }
    // the member's own flag rules and defaults (e.g. --data-dir defaults to <name>.cairn), without ETCD_* variables
    FlagParser.Parsed parsed = FlagParser.parse(serverFlags.toArray(String[]::new), Map.of(), w -> { });
    ServerConfig cfg = ServerConfig.from(parsed.values());
    out.println(SnapshotRestore.describe(SnapshotRestore.run(file, cfg, skipHashCheck)));
  }

  private static void split(String[] args, int from, List<String> positional, List<String> flags) {
    for (int i = from; i < args.length; i++) {
      String a = args[i];
      if (a.startsWith("-") && a.length() > 1) {
        flags.add(a);
        String name = a.replaceFirst("^--?", "");
        // a value follows unless given with '=' or the flag is a bare boolean
        if (!name.contains("=") && !name.equals("skip-hash-check") && i + 1 < args.length) {
          flags.add(args[++i]);
        }
      } else {
        positional.add(a);
      }
    }
  }

  private static Path file(List<String> positional, String command) throws FlagException {
    if (positional.size() != 1) {
      throw new FlagException("snapshot " + command + " requires exactly one argument");
    }
    return Path.of(positional.get(0));
  }

  static String usage() {
    return "Usage:\n\n"
        + "  cairn snapshot status <file> [-w simple|table|json|fields]\n"
        + "    Prints the hash, revision, total keys and total size of a backup (or etcd snapshot) file.\n\n"
        + "  cairn snapshot restore <file> [--name n] [--data-dir d] [--initial-cluster c]\n"
        + "      [--initial-cluster-token t] [--initial-advertise-peer-urls u] [--skip-hash-check]\n"
        + "    Makes a new member data directory holding the backup, as the first state of a new cluster.\n\n"
        + "Backups are taken from a running member with: ETCDCTL_API=3 etcdctl --endpoints <url> snapshot save <file>\n"
        + "Both commands also take a snapshot saved that way from etcd 3.4-3.7, to migrate its data into Cairn.\n";
  }
}
