package io.cairn.server.config;

/**
 * One command-line flag as etcd spells it. {@code bool} flags may be given bare ({@code --pre-vote})
 * as Go's flag package allows. {@code supported=false} marks flags we accept for compatibility but
 * refuse to run with a non-default value, so an operator never gets a silently ignored setting.
 */
record Flag(String name, String defaultValue, boolean bool, boolean supported, String help) {

  static Flag str(String name, String def, String help) {
    return new Flag(name, def, false, true, help);
  }

  static Flag bool(String name, boolean def, String help) {
    return new Flag(name, Boolean.toString(def), true, true, help);
  }

  static Flag unsupported(String name, String def, boolean bool, String help) {
    return new Flag(name, def, bool, false, help);
  }

  /** The environment variable etcd reads for this flag: ETCD_ + upper case, '-' to '_'. */
  String envName() {
    return "ETCD_" + name.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
  }
}
