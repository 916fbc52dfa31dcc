package io.cairn.server.config;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Parses arguments the way Go's {@code flag} package does for etcd ({@code -name v}, {@code --name=v},
 * bare booleans), then overlays {@code ETCD_*} environment variables with etcd's rules: a variable
 * that shadows a flag given on the command line is fatal, an unknown one is a warning.
 */
public final class FlagParser {
  private static final Map<String, Flag> FLAGS = FlagTable.byName();

  private FlagParser() {}

  /** What the command line asked for. */
  public enum Action { RUN, HELP, VERSION }

  /** Parsed values by flag name (every known flag present, defaults filled in). */
  public record Parsed(Action action, Map<String, String> values, Set<String> explicitlySet) {}

  public static Parsed parse(String[] args, Map<String, String> env, Consumer<String> warn)
      throws FlagException {
    Map<String, String> given = new LinkedHashMap<>();
    Action action = Action.RUN;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--")) {
        if (i + 1 < args.length) {
          throw new FlagException("'" + args[i + 1] + "' is not a valid flag");
        }
        break;
      }
      if (arg.length() < 2 || arg.charAt(0) != '-') {
        throw new FlagException("'" + arg + "' is not a valid flag");
      }
      String body = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
      if (body.isEmpty() || body.startsWith("-") || body.startsWith("=")) {
        throw new FlagException("bad flag syntax: " + arg);
      }
      String name = body;
      String value = null;
      int eq = body.indexOf('=');
      if (eq >= 0) {
        name = body.substring(0, eq);
        value = body.substring(eq + 1);
      }
      if (name.equals("h") || name.equals("help")) {
        action = Action.HELP;
        continue;
      }
      if (name.equals("version")) {
        action = Action.VERSION;
        continue;
      }
      Flag flag = FLAGS.get(name);
      if (flag == null) {
        throw new FlagException("flag provided but not defined: -" + name);
      }
      if (flag.bool()) {
        value = value == null ? "true" : parseBool(value, name);
      } else if (value == null) {
        if (i + 1 >= args.length) {
          throw new FlagException("flag needs an argument: -" + name);
        }
        value = args[++i];
      }
      given.put(name, value);
    }

    Map<String, String> values = new LinkedHashMap<>();
    for (Flag f : FlagTable.FLAGS) {
      values.put(f.name(), f.defaultValue());
    }
    Set<String> explicit = new HashSet<>(given.keySet());
    for (Map.Entry<String, String> e : env.entrySet()) {
      String var = e.getKey();
      if (!var.startsWith("ETCD_") || var.equals("ETCD_UNSUPPORTED_ARCH")) {
        continue;
      }
      String name = var.substring(5).toLowerCase(java.util.Locale.ROOT).replace('_', '-');
      Flag flag = FLAGS.get(name);
      if (flag == null) {
        warn.accept("unrecognized environment variable " + var + "=" + e.getValue());
        continue;
      }
      if (given.containsKey(name)) {
        throw new FlagException("conflicting environment variable \"" + var
            + "\" is shadowed by corresponding command-line flag (either unset environment variable or disable flag)");
      }
      values.put(name, flag.bool() ? parseBool(e.getValue(), name) : e.getValue());
      explicit.add(name);
    }
    values.putAll(given);

    for (String name : explicit) {
      Flag flag = FLAGS.get(name);
      if (!flag.supported() && !values.get(name).equals(flag.defaultValue())) {
        throw new FlagException("--" + name + " is not supported by cairn yet");
      }
    }
    if (!explicit.contains("data-dir")) {
      values.put("data-dir", values.get("name") + ".cairn");
    }
    // etcd: a renamed member with the default --initial-cluster bootstraps as name=advertised peer URLs
    if (!explicit.contains("initial-cluster") && !values.get("name").equals("default")) {
      values.put("initial-cluster", initialClusterFromName(values));
    }
    if (!values.get("experimental-snapshot-catchup-entries").isEmpty()) {
      values.put("snapshot-catchup-entries", values.get("experimental-snapshot-catchup-entries"));
    }
    if (!values.get("experimental-watch-progress-notify-interval").isEmpty()
        && !explicit.contains("watch-progress-notify-interval")) {
      values.put("watch-progress-notify-interval", values.get("experimental-watch-progress-notify-interval"));
    }
    return new Parsed(action, values, explicit);
  }

  private static String initialClusterFromName(Map<String, String> values) {
    StringBuilder sb = new StringBuilder();
    for (String url : values.get("initial-advertise-peer-urls").split(",")) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(values.get("name")).append('=').append(url.trim());
    }
    return sb.toString();
  }

  private static String parseBool(String v, String name) throws FlagException {
    switch (v) {
      case "1": case "t": case "T": case "TRUE": case "true": case "True":
        return "true";
      case "0": case "f": case "F": case "FALSE": case "false": case "False":
        return "false";
      default:
        throw new FlagException("invalid boolean value \"" + v + "\" for -" + name + ": parse error");
    }
  }

  /** etcd-style usage text. */
  public static String usage() {
    StringBuilder sb = new StringBuilder("Usage:\n\n  cairn [flags]\n    Start a Cairn member (etcd v3 API compatible).\n\n"
        + "  cairn snapshot status|restore ...\n    Inspect or restore a backup file (see 'cairn snapshot --help').\n\n"
        + "  cairn --version\n    Show the version of cairn.\n\n  cairn -h | --help\n    Show the help information about cairn.\n\n");
    sb.append("Flags (each also settable as ETCD_<FLAG_NAME>):\n");
    for (Flag f : FlagTable.FLAGS) {
      sb.append("  --").append(f.name());
      if (!f.bool()) {
        sb.append(" '").append(f.defaultValue()).append('\'');
      } else {
        sb.append(" ").append(f.defaultValue());
      }
      sb.append("\n      ").append(f.help());
      if (!f.supported()) {
        sb.append(" (not supported yet; refused when set)");
      }
      sb.append('\n');
    }
    return sb.toString();
  }
}
