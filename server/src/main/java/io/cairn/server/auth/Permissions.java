package io.cairn.server.auth;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.Compare;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.cairn.proto.authpb.User;
import io.cairn.server.api.EtcdErrors;
import java.util.List;

/**
 * etcd's permission checks against one auth state (isOpPermitted, IsAdminPermitted, CheckTxnAuth). Each throws the
 * status etcd answers with; a caller given no credentials passes {@link AuthInfo#NONE}.
 */
final class Permissions {
  private final AuthState state;

  Permissions(AuthState state) {
    this.state = state;
  }

  void checkRange(AuthInfo ai, ByteString key, ByteString rangeEnd) {
    checkOp(ai, key, rangeEnd, false);
  }

  void checkPut(AuthInfo ai, ByteString key) {
    checkOp(ai, key, ByteString.EMPTY, true);
  }

  void checkDelete(AuthInfo ai, ByteString key, ByteString rangeEnd) {
    checkOp(ai, key, rangeEnd, true);
  }

  private void checkOp(AuthInfo ai, ByteString key, ByteString rangeEnd, boolean write) {
    if (!state.enabled) {
      return;
    }
    if (ai.revision() == 0) {
      throw EtcdErrors.auth(EtcdErrors.USER_EMPTY);
    }
    if (ai.revision() < state.revision) {
      throw EtcdErrors.auth(EtcdErrors.AUTH_OLD_REVISION);
    }
    User u = state.user(ai.username());
    if (u == null) {
      throw EtcdErrors.auth(EtcdErrors.PERMISSION_DENIED);
    }
    if (AuthState.hasRootRole(u)) {
      return;
    }
    RangePerms p = state.perms(ai.username());
    if (!(write ? p.canWrite(key, rangeEnd) : p.canRead(key, rangeEnd))) {
      throw EtcdErrors.auth(EtcdErrors.PERMISSION_DENIED);
    }
  }

  /** Root only; unlike key checks it does not look at the revision (as etcd). */
  void checkAdmin(AuthInfo ai) {
    if (!state.enabled) {
      return;
    }
    if (ai == null || ai.username().isEmpty()) {
      throw EtcdErrors.auth(EtcdErrors.USER_EMPTY);
    }
    User u = state.user(ai.username());
    if (u == null) {
      throw EtcdErrors.auth(EtcdErrors.USER_NOT_FOUND);
    }
    if (!AuthState.hasRootRole(u)) {
      throw EtcdErrors.auth(EtcdErrors.PERMISSION_DENIED);
    }
  }

  boolean isAdmin(AuthInfo ai) {
    try {
      checkAdmin(ai);
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Every compare needs read, then each op of both branches, nested txns included (etcd's CheckTxnAuth). */
  void checkTxn(AuthInfo ai, TxnRequest txn) {
    for (Compare c : txn.getCompareList()) {
      checkRange(ai, c.getKey(), c.getRangeEnd());
    }
    checkOps(ai, txn.getSuccessList());
    checkOps(ai, txn.getFailureList());
  }

  private void checkOps(AuthInfo ai, List<RequestOp> ops) {
    for (RequestOp op : ops) {
      switch (op.getRequestCase()) {
        case REQUEST_RANGE -> checkRange(ai, op.getRequestRange().getKey(), op.getRequestRange().getRangeEnd());
        case REQUEST_PUT -> {
          // etcd's txn check asks only for write on a put, even with prev_kv
          checkPut(ai, op.getRequestPut().getKey());
        }
        case REQUEST_DELETE_RANGE -> {
          var d = op.getRequestDeleteRange();
          if (d.getPrevKv()) {
            checkRange(ai, d.getKey(), d.getRangeEnd());
          }
          checkDelete(ai, d.getKey(), d.getRangeEnd());
        }
        case REQUEST_TXN -> checkTxn(ai, op.getRequestTxn());
        default -> { }
      }
    }
  }
}
