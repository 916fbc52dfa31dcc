package io.cairn.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.proto.authpb.Permission;
import io.cairn.proto.authpb.UserAddOptions;
import io.cairn.proto.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.cairn.proto.etcdserverpb.AuthRoleRevokePermissionRequest;
import io.cairn.proto.etcdserverpb.AuthUserAddRequest;
import io.cairn.proto.etcdserverpb.Compare;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.proto.etcdserverpb.RequestOp;
import io.cairn.proto.etcdserverpb.TxnRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** etcd's auth store rules, change by change, and its permission checks on the states they make. */
class AuthChangeTest {
  private final Passwords passwords = new Passwords(4, 1);
  private AuthState state = AuthState.empty();

  @AfterEach
  void close() {
    passwords.close();
  }

  private void apply(java.util.function.Consumer<AuthChange> c) {
    AuthChange ch = new AuthChange(state);
    c.accept(ch);
    state = ch.result();
  }

  private static void fails(ThrowingCallable c, Status.Code code, String msg) {
    assertThatThrownBy(c).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).isEqualTo(msg);
    });
  }

  private AuthUserAddRequest user(String name, String pw) {
    return AuthUserAddRequest.newBuilder().setName(name).setHashedPassword(passwords.hash(pw)).build();
  }

  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private void grant(String role, Permission.Type t, String key, String end) {
    apply(c -> c.roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName(role)
        .setPerm(Permission.newBuilder().setPermType(t).setKey(b(key)).setRangeEnd(b(end))).build()));
  }

  private void enableWithRoot() {
    apply(c -> c.userAdd(user("root", "pw"), passwords));
    apply(c -> c.userGrantRole("root", "root"));
    apply(AuthChange::enable);
  }

  @Test
  void enableNeedsRootUserWithRootRoleAndKeepsTheRevision() {
    assertThat(state.revision).isEqualTo(1);
    fails(() -> new AuthChange(state).enable(), Status.Code.FAILED_PRECONDITION, "etcdserver: root user does not exist");
    apply(c -> c.userAdd(user("root", "pw"), passwords));
    fails(() -> new AuthChange(state).enable(), Status.Code.FAILED_PRECONDITION,
        "etcdserver: root user does not have root role");
    apply(c -> c.userGrantRole("root", "root")); // the root role need not exist to be granted
    long before = state.revision;
    apply(AuthChange::enable);
    assertThat(state.enabled).isTrue();
    assertThat(state.revision).isEqualTo(before);
    apply(AuthChange::disable);
    assertThat(state.enabled).isFalse();
    assertThat(state.revision).isEqualTo(before + 1);
  }

  @Test
  void rootIsProtectedWhileAuthIsOn() {
    enableWithRoot();
    fails(() -> new AuthChange(state).userDelete("root"), Status.Code.INVALID_ARGUMENT,
        "etcdserver: invalid auth management");
    fails(() -> new AuthChange(state).userRevokeRole("root", "root"), Status.Code.INVALID_ARGUMENT,
        "etcdserver: invalid auth management");
    fails(() -> new AuthChange(state).roleDelete("root"), Status.Code.INVALID_ARGUMENT,
        "etcdserver: invalid auth management");
  }

  @Test
  void userAndRoleErrorsAreEtcds() {
    apply(c -> c.userAdd(user("u", "x"), passwords));
    fails(() -> new AuthChange(state).userAdd(user("u", "y"), passwords), Status.Code.FAILED_PRECONDITION,
        "etcdserver: user name already exists");
    fails(() -> new AuthChange(state).userAdd(user("", "y"), passwords), Status.Code.INVALID_ARGUMENT,
        "etcdserver: user name is empty");
    fails(() -> new AuthChange(state).userGrantRole("u", "nope"), Status.Code.FAILED_PRECONDITION,
        "etcdserver: role name not found");
    fails(() -> new AuthChange(state).userGrantRole("nobody", "root"), Status.Code.FAILED_PRECONDITION,
        "etcdserver: user name not found");
    fails(() -> new AuthChange(state).userRevokeRole("u", "r"), Status.Code.FAILED_PRECONDITION,
        "etcdserver: role is not granted to the user");
    fails(() -> new AuthChange(state).roleAdd(""), Status.Code.INVALID_ARGUMENT, "etcdserver: role name is empty");
    apply(c -> c.roleAdd("r"));
    fails(() -> new AuthChange(state).roleAdd("r"), Status.Code.FAILED_PRECONDITION,
        "etcdserver: role name already exists");
    fails(() -> new AuthChange(state).roleRevokePermission(AuthRoleRevokePermissionRequest.newBuilder().setRole("r")
        .setKey(b("k")).build()), Status.Code.FAILED_PRECONDITION, "etcdserver: permission is not granted to the role");
    fails(() -> new AuthChange(state).roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName("r")
        .build()), Status.Code.INVALID_ARGUMENT, "etcdserver: permission not given");
    fails(() -> grant("r", Permission.Type.READ, "b", "a"), Status.Code.INVALID_ARGUMENT,
        "etcdserver: invalid auth management");
  }

  @Test
  void eachChangeRaisesTheRevisionButRepeatedGrantsDoNot() {
    long r0 = state.revision;
    apply(c -> c.userAdd(AuthUserAddRequest.newBuilder().setName("cn-user")
        .setOptions(UserAddOptions.newBuilder().setNoPassword(true)).build(), passwords));
    assertThat(state.user("cn-user").getPassword().isEmpty()).isTrue();
    apply(c -> c.roleAdd("r"));
    apply(c -> c.userGrantRole("cn-user", "r"));
    assertThat(state.revision).isEqualTo(r0 + 3);
    AuthChange again = new AuthChange(state);
    again.userGrantRole("cn-user", "r");
    assertThat(again.changed()).isFalse();
  }

  @Test
  void permissionsAreKeptSortedAndRegrantingUpdatesTheType() {
    apply(c -> c.roleAdd("r"));
    grant("r", Permission.Type.READ, "m", "n");
    grant("r", Permission.Type.WRITE, "a", "");
    grant("r", Permission.Type.READ, "m", "n");
    grant("r", Permission.Type.READWRITE, "m", "n");
    var perms = state.roles.get("r").getKeyPermissionList();
    assertThat(perms).extracting(p -> p.getKey().toStringUtf8()).containsExactly("a", "m");
    assertThat(perms.get(1).getPermType()).isEqualTo(Permission.Type.READWRITE);
  }

  @Test
  void roleDeleteTakesTheRoleFromEveryUser() {
    apply(c -> c.userAdd(user("u", "x"), passwords));
    apply(c -> c.roleAdd("r"));
    apply(c -> c.userGrantRole("u", "r"));
    apply(c -> c.roleDelete("r"));
    assertThat(state.user("u").getRolesList()).isEmpty();
  }

  @Test
  void checksFollowEtcd() {
    enableWithRoot();
    apply(c -> c.userAdd(user("u", "x"), passwords));
    apply(c -> c.roleAdd("r"));
    apply(c -> c.userGrantRole("u", "r"));
    grant("r", Permission.Type.READWRITE, "foo", "fop");
    grant("r", Permission.Type.READ, "ro", "");
    Permissions p = new Permissions(state);
    AuthInfo u = new AuthInfo("u", state.revision);
    p.checkPut(u, b("foo/1"));
    p.checkRange(u, b("ro"), ByteString.EMPTY);
    fails(() -> p.checkPut(u, b("ro")), Status.Code.PERMISSION_DENIED, "etcdserver: permission denied");
    fails(() -> p.checkRange(AuthInfo.NONE, b("foo"), ByteString.EMPTY), Status.Code.INVALID_ARGUMENT,
        "etcdserver: user name is empty");
    fails(() -> p.checkPut(new AuthInfo("u", state.revision - 1), b("foo")), Status.Code.INVALID_ARGUMENT,
        "etcdserver: revision of auth store is old");
    fails(() -> p.checkPut(new AuthInfo("ghost", state.revision), b("foo")), Status.Code.PERMISSION_DENIED,
        "etcdserver: permission denied");
    fails(() -> p.checkAdmin(u), Status.Code.PERMISSION_DENIED, "etcdserver: permission denied");
    fails(() -> p.checkAdmin(new AuthInfo("ghost", 1)), Status.Code.FAILED_PRECONDITION,
        "etcdserver: user name not found");
    p.checkAdmin(new AuthInfo("root", 1)); // admin checks ignore the revision, as etcd's
    p.checkPut(new AuthInfo("root", state.revision), b("anything"));

    TxnRequest inner = TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(b("secret")))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("foo/x")))).build();
    TxnRequest nested = TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(b("foo/a")))
        .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(b("ro"))))
        .addFailure(RequestOp.newBuilder().setRequestTxn(inner)).build();
    fails(() -> p.checkTxn(u, nested), Status.Code.PERMISSION_DENIED, "etcdserver: permission denied");
    p.checkTxn(u, nested.toBuilder().setFailure(0, RequestOp.newBuilder().setRequestTxn(
        inner.toBuilder().setCompare(0, Compare.newBuilder().setKey(b("ro"))))).build());
  }

  @Test
  void statesRoundTripThroughTheirRows() {
    enableWithRoot();
    apply(c -> c.roleAdd("r"));
    grant("r", Permission.Type.READ, "a", "b");
    java.util.SortedMap<ByteString, byte[]> rows = new java.util.TreeMap<>(ByteString.unsignedLexicographicalComparator());
    rows.put(ByteString.copyFrom(AuthState.ENABLED_KEY), AuthState.enabledValue(true));
    rows.put(ByteString.copyFrom(AuthState.REVISION_KEY), AuthState.revisionValue(state.revision));
    state.users.forEach((n, u) -> rows.put(ByteString.copyFrom(AuthState.userKey(n)), u.toByteArray()));
    state.roles.forEach((n, r) -> rows.put(ByteString.copyFrom(AuthState.roleKey(n)), r.toByteArray()));
    AuthState back = AuthState.fromRows(rows);
    assertThat(back.enabled).isTrue();
    assertThat(back.revision).isEqualTo(state.revision);
    assertThat(back.users).isEqualTo(state.users);
    assertThat(back.roles).isEqualTo(state.roles);
  }

  @Test
  void passwordsAreSaltedBcryptInGoFormat() {
    String h1 = new String(java.util.Base64.getDecoder().decode(passwords.hash("secret")));
    String h2 = new String(java.util.Base64.getDecoder().decode(passwords.hash("secret")));
    assertThat(h1).startsWith("$2a$04$").isNotEqualTo(h2);
    assertThat(Passwords.matches(h1.getBytes(), "secret")).isTrue();
    assertThat(Passwords.matches(h1.getBytes(), "Secret")).isFalse();
    assertThat(Passwords.matches("not-bcrypt".getBytes(), "secret")).isFalse();
  }
}
