package io.cairn.server.auth;

/**
 * The store's auth rows as the auth store writes them, for a restore that builds them from another system's auth
 * state (an etcd backend): a user or role row holds the authpb message as etcd stores it.
 */
public final class AuthRows {
  private AuthRows() {}

  public static byte[] userKey(String name) {
    return AuthState.userKey(name);
  }

  public static byte[] roleKey(String name) {
    return AuthState.roleKey(name);
  }

  public static byte[] enabledKey() {
    return AuthState.ENABLED_KEY.clone();
  }

  public static byte[] enabledValue(boolean on) {
    return AuthState.enabledValue(on);
  }

  public static byte[] revisionKey() {
    return AuthState.REVISION_KEY.clone();
  }

  public static byte[] revisionValue(long revision) {
    return AuthState.revisionValue(revision);
  }
}
