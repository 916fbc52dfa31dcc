package io.cairn.storage.mvcc;

/**
 * A request the MVCC store refused. {@link #getMessage()} is etcd's exact error string (clients match on it, see
 * {@code api/v3rpc/rpctypes/error.go}); {@link #code()} is the gRPC status the API layer must send with it.
 */
public final class MvccException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The gRPC status code etcd uses for the message. */
  public enum Code { INVALID_ARGUMENT, OUT_OF_RANGE, NOT_FOUND, FAILED_PRECONDITION, RESOURCE_EXHAUSTED }

  static final String COMPACTED = "etcdserver: mvcc: required revision has been compacted";
  static final String FUTURE_REV = "etcdserver: mvcc: required revision is a future revision";
  static final String KEY_NOT_FOUND = "etcdserver: key not found";
  public static final String LEASE_NOT_FOUND = "etcdserver: requested lease not found";
  public static final String LEASE_EXISTS = "etcdserver: lease already exists";
  public static final String LEASE_TTL_TOO_LARGE = "etcdserver: too large lease TTL";
  static final String EMPTY_KEY = "etcdserver: key is not provided";
  static final String VALUE_PROVIDED = "etcdserver: value is provided";
  static final String LEASE_PROVIDED = "etcdserver: lease is provided";
  static final String TOO_MANY_OPS = "etcdserver: too many operations in txn request";
  static final String DUPLICATE_KEY = "etcdserver: duplicate key given in txn request";
  static final String INVALID_SORT = "etcdserver: invalid sort option";
  /** gRPC's text for a message over the send limit, which is how an oversized response fails on etcd. */
  static final String RESPONSE_TOO_LARGE = "grpc: trying to send message larger than max (%d vs. %d)";

  private final Code code;

  public MvccException(Code code, String message) {
    super(message, null, false, false); // no stack trace: these are expected, client-caused outcomes
    this.code = code;
  }

  public Code code() {
    return code;
  }

  static MvccException compacted() {
    return new MvccException(Code.OUT_OF_RANGE, COMPACTED);
  }

  static MvccException futureRev() {
    return new MvccException(Code.OUT_OF_RANGE, FUTURE_REV);
  }

  static MvccException keyNotFound() {
    return new MvccException(Code.INVALID_ARGUMENT, KEY_NOT_FOUND);
  }

  static MvccException leaseNotFound() {
    return new MvccException(Code.NOT_FOUND, LEASE_NOT_FOUND);
  }

  static MvccException leaseExists() {
    return new MvccException(Code.FAILED_PRECONDITION, LEASE_EXISTS);
  }

  static MvccException leaseTtlTooLarge() {
    return new MvccException(Code.OUT_OF_RANGE, LEASE_TTL_TOO_LARGE);
  }

  static MvccException responseTooLarge(long bytes, long max) {
    return new MvccException(Code.RESOURCE_EXHAUSTED, String.format(RESPONSE_TOO_LARGE, bytes, max));
  }

  static MvccException invalid(String message) {
    return new MvccException(Code.INVALID_ARGUMENT, message);
  }

  @Override
  public String toString() {
    return "MvccException[" + code + "]: " + getMessage();
  }
}
