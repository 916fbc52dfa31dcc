package io.cairn.server.auth;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.cairn.proto.etcdserverpb.AuthDisableResponse;
import io.cairn.proto.etcdserverpb.AuthEnableResponse;
import io.cairn.proto.etcdserverpb.AuthRoleAddResponse;
import io.cairn.proto.etcdserverpb.AuthRoleDeleteResponse;
import io.cairn.proto.etcdserverpb.AuthRoleGrantPermissionResponse;
import io.cairn.proto.etcdserverpb.AuthRoleRevokePermissionResponse;
import io.cairn.proto.etcdserverpb.AuthUserAddResponse;
import io.cairn.proto.etcdserverpb.AuthUserChangePasswordResponse;
import io.cairn.proto.etcdserverpb.AuthUserDeleteResponse;
import io.cairn.proto.etcdserverpb.AuthUserGrantRoleResponse;
import io.cairn.proto.etcdserverpb.AuthUserRevokeRoleResponse;
import io.cairn.proto.etcdserverpb.AuthenticateResponse;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.authpb.User;
import io.cairn.proto.serverpb.InternalAuthenticateRequest;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.server.api.EtcdErrors;
import io.cairn.server.apply.ApplyAuth;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreBatch;

/**
 * The apply thread's auth (etcd's authApplierV3 and the auth store's writes): checks each client write against the
 * auth state at its place in the log, and applies auth changes. {@link #current} is that state, owned by the apply
 * thread; a change is published to the {@link AuthStore} only once its batch is written.
 */
public final class AuthApplier implements ApplyAuth {
  private final AuthStore published;
  private final MvccStore store;
  private AuthState current;

  public AuthApplier(AuthStore published, MvccStore store) {
    this.published = published;
    this.store = store;
    this.current = published.state();
    // a raft snapshot replaced the store: its auth state replaces ours (on the apply thread, like every change)
    store.onRestored(() -> {
      current = AuthState.fromRows(store.authRows());
      published.tokens.setEnabled(current.enabled);
      published.publish(current);
    });
  }

  @Override
  public void check(InternalRequest req) {
    if (!req.hasAuth()) {
      return; // this member's own proposals (lessor revocations, checkpoints) act as root, as etcd's WithRoot
    }
    AuthInfo ai = new AuthInfo(req.getAuth().getUsername(), req.getAuth().getRevision());
    Permissions p = new Permissions(current);
    switch (req.getRequestCase()) {
      case PUT -> {
        PutRequest put = req.getPut();
        p.checkPut(ai, put.getKey());
        checkLeaseKeys(p, ai, put.getLease());
        if (put.getPrevKv()) {
          p.checkRange(ai, put.getKey(), ByteString.EMPTY);
        }
      }
      case DELETE_RANGE -> {
        var d = req.getDeleteRange();
        p.checkDelete(ai, d.getKey(), d.getRangeEnd());
        if (d.getPrevKv()) {
          p.checkRange(ai, d.getKey(), d.getRangeEnd());
        }
      }
      case TXN -> p.checkTxn(ai, req.getTxn());
      case LEASE_REVOKE -> checkLeaseKeys(p, ai, req.getLeaseRevoke().getID());
      case AUTH_ENABLE, AUTH_DISABLE, USER_ADD, USER_DELETE, USER_CHANGE_PASSWORD, USER_GRANT_ROLE, USER_REVOKE_ROLE,
          ROLE_ADD, ROLE_DELETE, ROLE_GRANT_PERMISSION, ROLE_REVOKE_PERMISSION -> p.checkAdmin(ai);
      default -> { }
    }
  }

  /** etcd's checkLeasePuts: a lease's keys may be revoked (or the lease reused) only by one who may write them all. */
  private void checkLeaseKeys(Permissions p, AuthInfo ai, long lease) {
    if (lease == 0 || !current.enabled || p.isAdmin(ai)) {
      return;
    }
    for (ByteString key : store.leaseKeys(lease)) {
      p.checkPut(ai, key);
    }
  }

  @Override
  public Message apply(InternalRequest req, long index, StoreBatch batch) {
    if (req.hasAuthenticate()) {
      return authenticate(req.getAuthenticate(), index);
    }
    AuthChange ch = new AuthChange(current);
    Message resp;
    Runnable effect = () -> { };
    switch (req.getRequestCase()) {
      case AUTH_ENABLE -> {
        ch.enable();
        effect = () -> published.tokens.setEnabled(true);
        resp = AuthEnableResponse.getDefaultInstance();
      }
      case AUTH_DISABLE -> {
        ch.disable();
        effect = () -> published.tokens.setEnabled(false);
        resp = AuthDisableResponse.getDefaultInstance();
      }
      case USER_ADD -> {
        ch.userAdd(req.getUserAdd(), published.passwords);
        resp = AuthUserAddResponse.getDefaultInstance();
      }
      case USER_DELETE -> {
        String name = req.getUserDelete().getName();
        ch.userDelete(name);
        effect = () -> published.tokens.invalidateUser(name);
        resp = AuthUserDeleteResponse.getDefaultInstance();
      }
      case USER_CHANGE_PASSWORD -> {
        String name = req.getUserChangePassword().getName();
        ch.userChangePassword(req.getUserChangePassword(), published.passwords);
        effect = () -> published.tokens.invalidateUser(name);
        resp = AuthUserChangePasswordResponse.getDefaultInstance();
      }
      case USER_GRANT_ROLE -> {
        ch.userGrantRole(req.getUserGrantRole().getUser(), req.getUserGrantRole().getRole());
        resp = AuthUserGrantRoleResponse.getDefaultInstance();
      }
      case USER_REVOKE_ROLE -> {
        ch.userRevokeRole(req.getUserRevokeRole().getName(), req.getUserRevokeRole().getRole());
        resp = AuthUserRevokeRoleResponse.getDefaultInstance();
      }
      case ROLE_ADD -> {
        ch.roleAdd(req.getRoleAdd().getName());
        resp = AuthRoleAddResponse.getDefaultInstance();
      }
      case ROLE_DELETE -> {
        ch.roleDelete(req.getRoleDelete().getRole());
        resp = AuthRoleDeleteResponse.getDefaultInstance();
      }
      case ROLE_GRANT_PERMISSION -> {
        ch.roleGrantPermission(req.getRoleGrantPermission());
        resp = AuthRoleGrantPermissionResponse.getDefaultInstance();
      }
      case ROLE_REVOKE_PERMISSION -> {
        ch.roleRevokePermission(req.getRoleRevokePermission());
        resp = AuthRoleRevokePermissionResponse.getDefaultInstance();
      }
      default -> throw new IllegalArgumentException("not an auth change: " + req.getRequestCase());
    }
    if (!ch.changed()) {
      return resp; // a repeated enable or grant: nothing to write
    }
    AuthState next = ch.result();
    Runnable after = effect;
    Message answer = resp;
    batch.auth(index, () -> answer, w -> {
      ch.writeTo(w);
      w.afterCommit(() -> {
        published.publish(next);
        after.run();
      });
      return answer;
    });
    current = next;
    return resp;
  }

  /** Every member registers the token; the proposer checked the password before proposing (etcd's Authenticate). */
  private Message authenticate(InternalAuthenticateRequest r, long index) {
    if (!current.enabled) {
      throw EtcdErrors.auth(EtcdErrors.AUTH_NOT_ENABLED);
    }
    User u = current.user(r.getName());
    if (u == null || (u.hasOptions() && u.getOptions().getNoPassword())) {
      throw EtcdErrors.auth(EtcdErrors.AUTH_FAILED);
    }
    String token;
    try {
      token = published.tokens.assign(r.getName(), current.revision, r.getSimpleToken(), index);
    } catch (RuntimeException e) {
      // a verify-only JWT setup cannot sign: etcd answers the error (codes.Unknown); the apply thread goes on
      throw io.grpc.Status.UNKNOWN.withDescription(e.getMessage()).asRuntimeException();
    }
    return AuthenticateResponse.newBuilder().setToken(token).build();
  }
}
