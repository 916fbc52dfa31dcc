package io.cairn.server.auth;

/**
 * Who is asking, as resolved from a token or a client certificate, and the auth revision that resolution saw
 * (etcd's auth.AuthInfo). Revision 0 means no user was given.
 */
public record AuthInfo(String username, long revision) {
  /** No credentials: every permission check with it fails with "user name is empty" while auth is on. */
  public static final AuthInfo NONE = new AuthInfo("", 0);
}
