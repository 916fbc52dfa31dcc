package io.cairn.server.auth;

import com.google.protobuf.Message;
import io.cairn.proto.authpb.Role;
import io.cairn.proto.authpb.User;
import io.cairn.proto.etcdserverpb.*;
import io.cairn.proto.serverpb.InternalAuthenticateRequest;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.server.api.EtcdErrors;
import io.cairn.server.api.Headers;
import io.cairn.server.apply.Proposer;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * etcd's Auth service. Changes go through raft (the apply thread checks root again and applies them on every member);
 * reads are served from the published state behind a read barrier. Passwords are hashed before proposing, so the log
 * never holds one in clear; the root check is made first too, so no one else can make this member spend bcrypt time.
 */
public final class AuthService extends AuthGrpc.AuthImplBase {
  /** Authenticate retries when the auth state changed between the password check and the token (etcd loops). */
  private static final int AUTHENTICATE_ATTEMPTS = 3;

  private final AuthStore auth;
  private final Proposer proposer;
  private final Headers headers;

  public AuthService(AuthStore auth, Proposer proposer, Headers headers) {
    this.auth = auth;
    this.proposer = proposer;
    this.headers = headers;
  }

  @Override
  public void authEnable(AuthEnableRequest req, StreamObserver<AuthEnableResponse> out) {
    change(InternalRequest.newBuilder().setAuthEnable(req), out,
        (AuthEnableResponse r) -> r.toBuilder().setHeader(headers.current()).build());
  }

  @Override
  public void authDisable(AuthDisableRequest req, StreamObserver<AuthDisableResponse> out) {
    change(InternalRequest.newBuilder().setAuthDisable(req), out,
        (AuthDisableResponse r) -> r.toBuilder().setHeader(headers.current()).build());
  }

  @Override
  public void authStatus(AuthStatusRequest req, StreamObserver<AuthStatusResponse> out) {
    // etcd 3.7 serves AuthStatus to any caller with a valid (or no) token: it reveals nothing a token would not
    read(out, ai -> {
      AuthState s = auth.state();
      return AuthStatusResponse.newBuilder().setHeader(headers.current()).setEnabled(s.enabled)
          .setAuthRevision(s.revision).build();
    });
  }

  @Override
  public void authenticate(AuthenticateRequest req, StreamObserver<AuthenticateResponse> out) {
    proposer.readBarrier().thenCompose(x -> authenticateOnce(req, 1)).whenComplete((r, err) -> {
      if (err != null) {
        out.onError(EtcdErrors.toStatus(err));
      } else {
        out.onNext(r.toBuilder().setHeader(headers.current()).build());
        out.onCompleted();
      }
    });
  }

  private CompletableFuture<AuthenticateResponse> authenticateOnce(AuthenticateRequest req, int attempt) {
    AuthState s = auth.state();
    if (!s.enabled) {
      return CompletableFuture.failedFuture(EtcdErrors.auth(EtcdErrors.AUTH_NOT_ENABLED));
    }
    User u = s.user(req.getName());
    if (u == null) {
      return CompletableFuture.failedFuture(EtcdErrors.auth(EtcdErrors.AUTH_FAILED));
    }
    if (u.hasOptions() && u.getOptions().getNoPassword()) {
      return CompletableFuture.failedFuture(EtcdErrors.auth(EtcdErrors.NO_PASSWORD_USER));
    }
    byte[] hash = u.getPassword().toByteArray();
    return auth.passwords.submit(() -> Passwords.matches(hash, req.getPassword())).thenCompose(ok -> {
      if (!ok) {
        throw EtcdErrors.auth(EtcdErrors.AUTH_FAILED);
      }
      InternalRequest ir = InternalRequest.newBuilder().setAuthenticate(InternalAuthenticateRequest.newBuilder()
          .setName(req.getName()).setSimpleToken(auth.tokens.newPrefix())).build();
      return proposer.propose(ir);
    }).thenCompose(m -> {
      if (s.revision == auth.revision() || attempt >= AUTHENTICATE_ATTEMPTS) {
        return CompletableFuture.completedFuture((AuthenticateResponse) m);
      }
      return authenticateOnce(req, attempt + 1);
    });
  }

  @Override
  public void userAdd(AuthUserAddRequest req, StreamObserver<AuthUserAddResponse> out) {
    if (req.hasOptions() && req.getOptions().getNoPassword()) {
      change(InternalRequest.newBuilder().setUserAdd(req), out, this::withHeader);
      return;
    }
    hashed(out, () -> auth.passwords.submit(() -> auth.passwords.hash(req.getPassword())), hash ->
        InternalRequest.newBuilder().setUserAdd(req.toBuilder().setHashedPassword(hash).clearPassword()));
  }

  @Override
  public void userChangePassword(AuthUserChangePasswordRequest req,
      StreamObserver<AuthUserChangePasswordResponse> out) {
    if (req.getPassword().isEmpty()) {
      change(InternalRequest.newBuilder().setUserChangePassword(req), out, this::withHeader);
      return;
    }
    hashed(out, () -> auth.passwords.submit(() -> auth.passwords.hash(req.getPassword())), hash ->
        InternalRequest.newBuilder().setUserChangePassword(req.toBuilder().setHashedPassword(hash).clearPassword()));
  }

  @Override
  public void userDelete(AuthUserDeleteRequest req, StreamObserver<AuthUserDeleteResponse> out) {
    change(InternalRequest.newBuilder().setUserDelete(req), out, this::withHeader);
  }

  @Override
  public void userGrantRole(AuthUserGrantRoleRequest req, StreamObserver<AuthUserGrantRoleResponse> out) {
    change(InternalRequest.newBuilder().setUserGrantRole(req), out, this::withHeader);
  }

  @Override
  public void userRevokeRole(AuthUserRevokeRoleRequest req, StreamObserver<AuthUserRevokeRoleResponse> out) {
    change(InternalRequest.newBuilder().setUserRevokeRole(req), out, this::withHeader);
  }

  @Override
  public void roleAdd(AuthRoleAddRequest req, StreamObserver<AuthRoleAddResponse> out) {
    change(InternalRequest.newBuilder().setRoleAdd(req), out, this::withHeader);
  }

  @Override
  public void roleDelete(AuthRoleDeleteRequest req, StreamObserver<AuthRoleDeleteResponse> out) {
    change(InternalRequest.newBuilder().setRoleDelete(req), out, this::withHeader);
  }

  @Override
  public void roleGrantPermission(AuthRoleGrantPermissionRequest req,
      StreamObserver<AuthRoleGrantPermissionResponse> out) {
    change(InternalRequest.newBuilder().setRoleGrantPermission(req), out, this::withHeader);
  }

  @Override
  public void roleRevokePermission(AuthRoleRevokePermissionRequest req,
      StreamObserver<AuthRoleRevokePermissionResponse> out) {
    change(InternalRequest.newBuilder().setRoleRevokePermission(req), out, this::withHeader);
  }

  @Override
  public void userGet(AuthUserGetRequest req, StreamObserver<AuthUserGetResponse> out) {
    read(out, ai -> {
      AuthState s = auth.state();
      // a user may read itself; anything else is root's (etcd's authApplierV3.UserGet)
      if (!auth.isAdmin(ai) && (ai == null || !req.getName().equals(ai.username()))) {
        auth.checkAdmin(ai);
      }
      User u = s.user(req.getName());
      if (u == null) {
        throw EtcdErrors.auth(EtcdErrors.USER_NOT_FOUND);
      }
      return AuthUserGetResponse.newBuilder().setHeader(headers.current()).addAllRoles(u.getRolesList()).build();
    });
  }

  @Override
  public void userList(AuthUserListRequest req, StreamObserver<AuthUserListResponse> out) {
    read(out, ai -> {
      auth.checkAdmin(ai);
      return AuthUserListResponse.newBuilder().setHeader(headers.current())
          .addAllUsers(auth.state().users.keySet()).build();
    });
  }

  @Override
  public void roleGet(AuthRoleGetRequest req, StreamObserver<AuthRoleGetResponse> out) {
    read(out, ai -> {
      AuthState s = auth.state();
      // a user may read a role it has (etcd's authApplierV3.RoleGet)
      if (!auth.isAdmin(ai) && (ai == null || !s.hasRole(ai.username(), req.getRole()))) {
        auth.checkAdmin(ai);
      }
      Role r = s.roles.get(req.getRole());
      if (r == null) {
        throw EtcdErrors.auth(EtcdErrors.ROLE_NOT_FOUND);
      }
      AuthRoleGetResponse.Builder b = AuthRoleGetResponse.newBuilder().setHeader(headers.current());
      if (req.getRole().equals(AuthState.ROOT)) {
        b.addPerm(AuthState.ROOT_PERM);
      } else {
        b.addAllPerm(r.getKeyPermissionList());
      }
      return b.build();
    });
  }

  @Override
  public void roleList(AuthRoleListRequest req, StreamObserver<AuthRoleListResponse> out) {
    read(out, ai -> {
      auth.checkAdmin(ai);
      return AuthRoleListResponse.newBuilder().setHeader(headers.current())
          .addAllRoles(auth.state().roles.keySet()).build();
    });
  }

  @SuppressWarnings("unchecked")
  private <R extends Message> R withHeader(R r) {
    return (R) r.toBuilder().setField(r.getDescriptorForType().findFieldByName("header"), headers.current()).build();
  }

  /** A linearizable read of the auth state on behalf of the caller (resolved before the barrier, as etcd does). */
  private <R> void read(StreamObserver<R> out, Function<AuthInfo, R> body) {
    AuthInfo ai;
    try {
      ai = auth.caller();
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
      return;
    }
    proposer.readBarrier().thenApply(x -> body.apply(ai)).whenComplete((r, err) -> {
      if (err != null) {
        out.onError(EtcdErrors.toStatus(err));
      } else {
        out.onNext(r);
        out.onCompleted();
      }
    });
  }

  /** Hashes first (off the gRPC thread), then proposes the change carrying the hash. */
  private <R extends Message> void hashed(StreamObserver<R> out, Supplier<CompletableFuture<String>> hash,
      Function<String, InternalRequest.Builder> request) {
    AuthInfo ai;
    try {
      ai = auth.caller();
      auth.checkAdmin(ai);
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
      return;
    }
    hash.get().thenCompose(h -> proposer.propose(request.apply(h).setAuth(AuthStore.header(ai)).build()))
        .whenComplete((m, err) -> finish(out, m, err, this::withHeader));
  }

  /** Proposes an auth change for a root caller; the apply thread checks root again against its state then. */
  private <R extends Message> void change(InternalRequest.Builder req, StreamObserver<R> out, Function<R, R> finish) {
    AuthInfo ai;
    try {
      ai = auth.caller();
      auth.checkAdmin(ai);
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
      return;
    }
    proposer.propose(req.setAuth(AuthStore.header(ai)).build()).whenComplete((m, err) -> finish(out, m, err, finish));
  }

  @SuppressWarnings("unchecked")
  private static <R extends Message> void finish(StreamObserver<R> out, Message m, Throwable err,
      Function<R, R> finish) {
    if (err != null) {
      out.onError(EtcdErrors.toStatus(err));
    } else {
      out.onNext(finish.apply((R) m));
      out.onCompleted();
    }
  }
}
