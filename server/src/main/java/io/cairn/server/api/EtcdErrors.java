package io.cairn.server.api;

import io.cairn.storage.mvcc.MvccException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** etcd's gRPC errors (code and exact message, as clients match on both), and the mapping of ours onto them. */
public final class EtcdErrors {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdErrors.class);

  private EtcdErrors() {}

  public static final String REQUEST_TOO_LARGE = "etcdserver: request is too large";
  public static final String NO_LEADER = "etcdserver: no leader";
  public static final String SERVER_STOPPED = "etcdserver: server stopped";
  public static final String TIMEOUT = "etcdserver: request timed out";
  public static final String NOT_CAPABLE = "etcdserver: not capable";
  public static final String BAD_LEADER_TRANSFEREE = "etcdserver: bad leader transferee";
  public static final String MEMBER_NOT_FOUND = "etcdserver: member not found";
  public static final String BAD_URLS = "etcdserver: given member URLs are invalid";
  public static final String PEER_URL_EXISTS = "etcdserver: Peer URLs already exists";
  public static final String NOT_ENOUGH_STARTED =
      "etcdserver: re-configuration failed due to not enough started members";
  public static final String TOO_MANY_LEARNERS = "etcdserver: too many learner members in cluster";
  public static final String NOT_LEARNER = "etcdserver: can only promote a learner member";
  public static final String LEARNER_NOT_READY =
      "etcdserver: can only promote a learner member which is in sync with leader";
  public static final String COMPACTED = "etcdserver: mvcc: required revision has been compacted";
  public static final String LEARNER_NOT_SUPPORTED = "etcdserver: rpc not supported for learner";
  public static final String CLUSTER_ID_MISMATCH = "etcdserver: cluster ID mismatch";
  public static final String KEY_NOT_PROVIDED = "etcdserver: key is not provided";
  public static final String LEADER_CHANGED = "etcdserver: leader changed";
  public static final String TOO_MANY_REQUESTS = "etcdserver: too many requests";
  public static final String TIMEOUT_LEADER_FAIL = "etcdserver: request timed out, possibly due to previous leader failure";
  public static final String TIMEOUT_WAIT_APPLIED =
      "etcdserver: request timed out, waiting for the applied index took too long";
  public static final String LEADER_TRANSFER_TIMEOUT = "etcdserver: request timed out, leader transfer took too long";
  public static final String NOT_LEADER = "etcdserver: not leader";
  /** etcd 3.7 RangeStream refusals (codes.Unimplemented, no "etcdserver: " prefix, as etcd sends them). */
  public static final String STREAM_CUSTOM_SORT = "RangeStream does not support custom sort orders";
  public static final String STREAM_REVISION_FILTERS = "RangeStream does not support revision filters";
  /** rafthttp's answer to a removed member's traffic, and what a member that applied its own removal logs. */
  public static final String MEMBER_REMOVED = "the member has been permanently removed from the cluster";

  public static final String NO_SPACE = "etcdserver: mvcc: database space exceeded";
  public static final String CORRUPT = "etcdserver: corrupt cluster";

  /** The NOSPACE refusal: the quota is exceeded or the NOSPACE alarm is active. */
  public static StatusRuntimeException noSpace() {
    return Status.RESOURCE_EXHAUSTED.withDescription(NO_SPACE).asRuntimeException();
  }

  /** The CORRUPT refusal: the CORRUPT alarm is active. */
  public static StatusRuntimeException corrupt() {
    return Status.DATA_LOSS.withDescription(CORRUPT).asRuntimeException();
  }

  /** etcd's initial corruption check failure (the member does not start). */
  public static String inconsistentWithPeers(String memberIdHex) {
    return memberIdHex + " found data inconsistency with peers";
  }

  // auth (rpctypes ErrGRPC*): InvalidArgument
  public static final String USER_EMPTY = "etcdserver: user name is empty";
  public static final String ROLE_EMPTY = "etcdserver: role name is empty";
  public static final String AUTH_FAILED = "etcdserver: authentication failed, invalid user ID or password";
  public static final String PERMISSION_NOT_GIVEN = "etcdserver: permission not given";
  public static final String INVALID_AUTH_MGMT = "etcdserver: invalid auth management";
  public static final String AUTH_OLD_REVISION = "etcdserver: revision of auth store is old";
  // auth: FailedPrecondition
  public static final String ROOT_USER_NOT_EXIST = "etcdserver: root user does not exist";
  public static final String ROOT_ROLE_NOT_EXIST = "etcdserver: root user does not have root role";
  public static final String USER_ALREADY_EXIST = "etcdserver: user name already exists";
  public static final String USER_NOT_FOUND = "etcdserver: user name not found";
  public static final String ROLE_ALREADY_EXIST = "etcdserver: role name already exists";
  public static final String ROLE_NOT_FOUND = "etcdserver: role name not found";
  public static final String ROLE_NOT_GRANTED = "etcdserver: role is not granted to the user";
  public static final String PERMISSION_NOT_GRANTED = "etcdserver: permission is not granted to the role";
  public static final String AUTH_NOT_ENABLED = "etcdserver: authentication is not enabled";
  // auth: their own codes
  public static final String PERMISSION_DENIED = "etcdserver: permission denied";
  public static final String INVALID_AUTH_TOKEN = "etcdserver: invalid auth token";
  /** auth.ErrNoPasswordUser has no rpctypes twin: etcd answers it as codes.Unknown with the auth package's text. */
  public static final String NO_PASSWORD_USER = "auth: authentication failed, password was given for no password user";

  /** Go's bcrypt refuses longer passwords; etcd passes its error on as codes.Unknown. */
  public static final String BCRYPT_TOO_LONG = "bcrypt: password length exceeds 72 bytes";

  /** An auth error with the code etcd gives its message. */
  public static StatusRuntimeException auth(String msg) {
    Status code = switch (msg) {
      case USER_EMPTY, ROLE_EMPTY, AUTH_FAILED, PERMISSION_NOT_GIVEN, INVALID_AUTH_MGMT, AUTH_OLD_REVISION ->
          Status.INVALID_ARGUMENT;
      case PERMISSION_DENIED -> Status.PERMISSION_DENIED;
      case INVALID_AUTH_TOKEN -> Status.UNAUTHENTICATED;
      case NO_PASSWORD_USER, BCRYPT_TOO_LONG -> Status.UNKNOWN;
      default -> Status.FAILED_PRECONDITION;
    };
    return code.withDescription(msg).asRuntimeException();
  }

  public static StatusRuntimeException invalidArgument(String msg) {
    return Status.INVALID_ARGUMENT.withDescription(msg).asRuntimeException();
  }

  public static StatusRuntimeException unimplemented(String msg) {
    return Status.UNIMPLEMENTED.withDescription(msg).asRuntimeException();
  }

  public static StatusRuntimeException unavailable(String msg) {
    return Status.UNAVAILABLE.withDescription(msg).asRuntimeException();
  }

  public static StatusRuntimeException failedPrecondition(String msg) {
    return Status.FAILED_PRECONDITION.withDescription(msg).asRuntimeException();
  }

  /** Turns anything thrown on a request's path into the status etcd would answer with. */
  public static StatusRuntimeException toStatus(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof StatusRuntimeException s) {
      return s;
    }
    if (t instanceof MvccException m) {
      Status code = switch (m.code()) {
        case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
        case OUT_OF_RANGE -> Status.OUT_OF_RANGE;
        case NOT_FOUND -> Status.NOT_FOUND;
        case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
        case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
      };
      return code.withDescription(m.getMessage()).asRuntimeException();
    }
    if (t instanceof TimeoutException) {
      return unavailable(TIMEOUT);
    }
    if (t instanceof java.util.concurrent.RejectedExecutionException) {
      return Status.RESOURCE_EXHAUSTED.withDescription(TOO_MANY_REQUESTS).asRuntimeException(); // a full queue
    }
    if (t instanceof CancellationException) {
      return Status.CANCELLED.withDescription("etcdserver: request canceled").asRuntimeException();
    }
    // etcd answers unexpected server errors with codes.Unknown and the error text
    LOG.error("unexpected error serving a request", t);
    return Status.UNKNOWN.withDescription(String.valueOf(t.getMessage())).asRuntimeException();
  }
}
