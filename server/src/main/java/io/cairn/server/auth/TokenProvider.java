package io.cairn.server.auth;

/** etcd's token providers: simple (random, kept by every member) or JWT (signed, self-contained). */
interface TokenProvider {
  /**
   * A token for {@code user}, made when the Authenticate entry at {@code index} is applied (on every member);
   * {@code prefix} is the random part the proposer chose (simple tokens only).
   */
  String assign(String user, long revision, String prefix, long index);

  /** Who the token names and the auth revision to check with, or null if it is not (or no longer) valid. */
  AuthInfo info(String token, long currentRevision);

  /** The random part of a new simple token; empty for JWT. */
  String newPrefix();

  /** The raft index a simple token was made at, or -1 (JWT, or not a simple token). */
  default long index(String token) {
    return -1;
  }

  /** Drops every token of {@code user} (deleted, or its password changed). */
  void invalidateUser(String user);

  /** Auth turned on or off: turning it off drops every token. */
  void setEnabled(boolean enabled);

  /** Drops expired tokens (called periodically). */
  default void purgeExpired() {}
}
