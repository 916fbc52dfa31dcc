package io.cairn.server.auth;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.serverpb.RequestAuth;
import io.cairn.server.api.EtcdErrors;
import io.cairn.storage.mvcc.MvccStore;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The auth state as clients see it (the last committed one) and the API-layer side of etcd's auth: resolving a
 * call's credentials to a user, and the checks etcd makes before serving or proposing. The apply thread publishes
 * each committed state here ({@link AuthApplier}); everything here reads the published state and is thread-safe.
 */
public final class AuthStore implements AutoCloseable {
  /** How long a simple token made at a raft index this member has not applied yet may wait for it. */
  private static final long INDEX_WAIT_MILLIS = 2_000;
  /** Calls waiting so at once at most: made-up tokens naming far-off indexes cannot hold many threads. */
  private final java.util.concurrent.Semaphore indexWaiters = new java.util.concurrent.Semaphore(32);

  private volatile AuthState state;
  final TokenProvider tokens;
  final Passwords passwords;
  private final boolean clientCertAuth;
  private final LongSupplier appliedIndex;
  private final Object appliedSignal = new Object();

  AuthStore(AuthState initial, TokenProvider tokens, Passwords passwords, boolean clientCertAuth,
      LongSupplier appliedIndex) {
    this.state = initial;
    this.tokens = tokens;
    this.passwords = passwords;
    this.clientCertAuth = clientCertAuth;
    this.appliedIndex = appliedIndex;
    tokens.setEnabled(initial.enabled);
  }

  /** Opens the auth state kept in {@code store}, with the token provider the flags chose. */
  public static AuthStore open(MvccStore store, AuthSettings settings, LongSupplier appliedIndex) {
    AuthState s = AuthState.fromRows(store.authRows());
    // bcrypt gets at most half the cores: a password flood cannot take the CPU the other clients need
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    return new AuthStore(s, settings.tokens(), new Passwords(settings.bcryptCost(), threads),
        settings.clientCertAuth(), appliedIndex);
  }

  AuthState state() {
    return state;
  }

  void publish(AuthState s) {
    state = s;
  }

  public boolean enabled() {
    return state.enabled;
  }

  public long revision() {
    return state.revision;
  }

  /** From the apply listener: simple tokens waiting for their index may look again. */
  public void applied() {
    synchronized (appliedSignal) {
      appliedSignal.notifyAll();
    }
  }

  /** Drops expired simple tokens; the server calls this periodically. */
  public void purgeExpiredTokens() {
    tokens.purgeExpired();
  }

  /**
   * The current call's user (etcd's AuthInfoFromCtx): null while auth is off or when the call names nobody; a token
   * that is malformed, unknown, expired or revoked fails with Unauthenticated "invalid auth token".
   */
  public AuthInfo caller() {
    AuthState s = state;
    if (!s.enabled) {
      return null;
    }
    Credentials c = Credentials.current();
    if (c.token() != null) {
      AuthInfo ai = tokens.info(c.token(), s.revision);
      if (ai == null && awaitIndex(tokens.index(c.token()))) {
        ai = tokens.info(c.token(), state.revision);
      }
      if (ai == null) {
        throw EtcdErrors.auth(EtcdErrors.INVALID_AUTH_TOKEN);
      }
      return ai;
    }
    if (clientCertAuth && c.commonName() != null) {
      return new AuthInfo(c.commonName(), s.revision);
    }
    return null;
  }

  /** A simple token from another member names the Authenticate entry's index: wait (briefly) until it is applied. */
  private boolean awaitIndex(long index) {
    if (index < 0 || index <= appliedIndex.getAsLong() || !indexWaiters.tryAcquire()) {
      return false;
    }
    try {
      long deadline = System.nanoTime() + INDEX_WAIT_MILLIS * 1_000_000;
      synchronized (appliedSignal) {
        while (appliedIndex.getAsLong() < index) {
          long left = (deadline - System.nanoTime()) / 1_000_000;
          if (left <= 0) {
            return false;
          }
          try {
            appliedSignal.wait(left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        }
      }
      return true;
    } finally {
      indexWaiters.release();
    }
  }

  private Permissions perms() {
    return new Permissions(state);
  }

  private static AuthInfo orNone(AuthInfo ai) {
    return ai == null ? AuthInfo.NONE : ai;
  }

  public void checkRange(AuthInfo ai, ByteString key, ByteString rangeEnd) {
    perms().checkRange(orNone(ai), key, rangeEnd);
  }

  public void checkPut(AuthInfo ai, ByteString key) {
    perms().checkPut(orNone(ai), key);
  }

  public void checkTxn(AuthInfo ai, TxnRequest txn) {
    perms().checkTxn(orNone(ai), txn);
  }

  /** Root only (etcd's IsAdminPermitted). */
  public void checkAdmin(AuthInfo ai) {
    perms().checkAdmin(ai);
  }

  public boolean isAdmin(AuthInfo ai) {
    return perms().isAdmin(ai);
  }

  /** etcd's requireAuthInfo: with auth on, some user must be named. */
  public void requireUser(AuthInfo ai) {
    if (state.enabled && ai == null) {
      throw EtcdErrors.auth(EtcdErrors.USER_EMPTY);
    }
  }

  /** After serving a read: an auth change since the check makes the answer one etcd would not give (doSerialize). */
  public void checkUnchanged(AuthInfo ai) {
    if (ai != null && ai.revision() != 0 && ai.revision() != state.revision) {
      throw EtcdErrors.auth(EtcdErrors.AUTH_OLD_REVISION);
    }
  }

  /** Read permission on every key in {@code keys} unless root (etcd's lease TimeToLive / Leases checks). */
  public void checkReadAll(AuthInfo ai, List<ByteString> keys) {
    if (!state.enabled || isAdmin(ai)) {
      return;
    }
    for (ByteString k : keys) {
      checkRange(ai, k, ByteString.EMPTY);
    }
  }

  /** Write permission on every key in {@code keys} unless root (etcd's lease renew and revoke checks). */
  public void checkWriteAll(AuthInfo ai, List<ByteString> keys) {
    if (!state.enabled || isAdmin(ai)) {
      return;
    }
    for (ByteString k : keys) {
      checkPut(ai, k);
    }
  }

  /**
   * Why a watch on [key, rangeEnd) may not be created by the current caller, as the cancel reason etcd sends (its
   * status message), or null when it may (etcd's isWatchPermitted).
   */
  public String watchRefusal(ByteString key, ByteString rangeEnd) {
    if (!state.enabled) {
      return null;
    }
    try {
      checkRange(caller(), key, rangeEnd);
      return null;
    } catch (io.grpc.StatusRuntimeException e) {
      String m = e.getStatus().getDescription();
      return EtcdErrors.INVALID_AUTH_TOKEN.equals(m) || EtcdErrors.AUTH_OLD_REVISION.equals(m)
          || EtcdErrors.USER_EMPTY.equals(m) ? m : EtcdErrors.PERMISSION_DENIED;
    }
  }

  /** What a proposal carries for the apply-time check (etcd's RequestHeader username and auth revision). */
  public static RequestAuth header(AuthInfo ai) {
    return ai == null ? RequestAuth.getDefaultInstance()
        : RequestAuth.newBuilder().setUsername(ai.username()).setRevision(ai.revision()).build();
  }

  @Override
  public void close() {
    passwords.close();
  }
}
