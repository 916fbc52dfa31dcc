package io.cairn.server.lease;

/** The lessor is not the primary (this member is not, or not yet, the leader's lessor): etcd's ErrNotPrimary. */
public final class NotPrimaryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NotPrimaryException() {
    super("not a primary lessor", null, false, false);
  }
}
