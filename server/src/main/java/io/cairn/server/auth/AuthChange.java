package io.cairn.server.auth;

import com.google.protobuf.ByteString;
import io.cairn.proto.authpb.Permission;
import io.cairn.proto.authpb.Role;
import io.cairn.proto.authpb.User;
import io.cairn.proto.authpb.UserAddOptions;
import io.cairn.proto.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.cairn.proto.etcdserverpb.AuthRoleRevokePermissionRequest;
import io.cairn.proto.etcdserverpb.AuthUserAddRequest;
import io.cairn.proto.etcdserverpb.AuthUserChangePasswordRequest;
import io.cairn.server.api.EtcdErrors;
import io.cairn.storage.mvcc.AuthWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * One auth change, as etcd's auth store makes it: checks the request against the state before it (throwing etcd's
 * error, with nothing changed), then yields the state after it and the rows that differ. Every change but AuthEnable
 * and a repeated grant raises the auth revision by one.
 */
final class AuthChange {
  private static final ByteString ZERO = ByteString.copyFrom(new byte[] {0});
  private static final Comparator<ByteString> BYTES = ByteString.unsignedLexicographicalComparator();

  private boolean enabled;
  private long revision;
  private final TreeMap<String, User> users;
  private final TreeMap<String, Role> roles;
  private final Set<String> touchedUsers = new LinkedHashSet<>();
  private final Set<String> touchedRoles = new LinkedHashSet<>();
  private boolean enabledChanged;
  private boolean revisionChanged;

  AuthChange(AuthState before) {
    this.enabled = before.enabled;
    this.revision = before.revision;
    this.users = new TreeMap<>(before.users);
    this.roles = new TreeMap<>(before.roles);
  }

  AuthState result() {
    return new AuthState(enabled, revision, users, roles);
  }

  boolean changed() {
    return enabledChanged || revisionChanged;
  }

  void writeTo(AuthWriter w) {
    for (String u : touchedUsers) {
      User user = users.get(u);
      if (user == null) {
        w.delete(AuthState.userKey(u));
      } else {
        w.put(AuthState.userKey(u), user.toByteArray());
      }
    }
    for (String r : touchedRoles) {
      Role role = roles.get(r);
      if (role == null) {
        w.delete(AuthState.roleKey(r));
      } else {
        w.put(AuthState.roleKey(r), role.toByteArray());
      }
    }
    if (enabledChanged) {
      w.put(AuthState.ENABLED_KEY, AuthState.enabledValue(enabled));
    }
    if (revisionChanged) {
      w.put(AuthState.REVISION_KEY, AuthState.revisionValue(revision));
    }
  }

  private void bump() {
    revision++;
    revisionChanged = true;
  }

  private void putUser(String name, User u) {
    users.put(name, u);
    touchedUsers.add(name);
  }

  private void putRole(String name, Role r) {
    roles.put(name, r);
    touchedRoles.add(name);
  }

  private static io.grpc.StatusRuntimeException fail(String msg) {
    return EtcdErrors.auth(msg);
  }

  void enable() {
    if (enabled) {
      return; // etcd ignores a second enable
    }
    User root = users.get(AuthState.ROOT);
    if (root == null) {
      throw fail(EtcdErrors.ROOT_USER_NOT_EXIST);
    }
    if (!AuthState.hasRootRole(root)) {
      throw fail(EtcdErrors.ROOT_ROLE_NOT_EXIST);
    }
    enabled = true;
    enabledChanged = true;
  }

  void disable() {
    if (!enabled) {
      return;
    }
    enabled = false;
    enabledChanged = true;
    bump();
  }

  /** The stored hash: the proposer's (base64 of bcrypt), or one made here for an entry carrying a clear password. */
  private static byte[] password(String clear, String hashed, Passwords hasher) {
    String h = hashed;
    if (!clear.isEmpty() && hashed.isEmpty()) {
      h = hasher.hash(clear);
    }
    try {
      return Base64.getDecoder().decode(h);
    } catch (IllegalArgumentException e) {
      throw fail(EtcdErrors.NO_PASSWORD_USER);
    }
  }

  void userAdd(AuthUserAddRequest r, Passwords hasher) {
    if (r.getName().isEmpty()) {
      throw fail(EtcdErrors.USER_EMPTY);
    }
    if (users.containsKey(r.getName())) {
      throw fail(EtcdErrors.USER_ALREADY_EXIST);
    }
    UserAddOptions options = r.hasOptions() ? r.getOptions() : UserAddOptions.getDefaultInstance();
    User.Builder u = User.newBuilder().setName(ByteString.copyFromUtf8(r.getName())).setOptions(options);
    if (!options.getNoPassword()) {
      u.setPassword(ByteString.copyFrom(password(r.getPassword(), r.getHashedPassword(), hasher)));
    }
    putUser(r.getName(), u.build());
    bump();
  }

  void userDelete(String name) {
    if (enabled && name.equals(AuthState.ROOT)) {
      throw fail(EtcdErrors.INVALID_AUTH_MGMT);
    }
    if (!users.containsKey(name)) {
      throw fail(EtcdErrors.USER_NOT_FOUND);
    }
    users.remove(name);
    touchedUsers.add(name);
    bump();
  }

  void userChangePassword(AuthUserChangePasswordRequest r, Passwords hasher) {
    User u = users.get(r.getName());
    if (u == null) {
      throw fail(EtcdErrors.USER_NOT_FOUND);
    }
    User.Builder b = u.toBuilder().clearPassword();
    if (!u.hasOptions() || !u.getOptions().getNoPassword()) {
      b.setPassword(ByteString.copyFrom(password(r.getPassword(), r.getHashedPassword(), hasher)));
    }
    putUser(r.getName(), b.build());
    bump();
  }

  void userGrantRole(String user, String role) {
    User u = users.get(user);
    if (u == null) {
      throw fail(EtcdErrors.USER_NOT_FOUND);
    }
    if (!role.equals(AuthState.ROOT) && !roles.containsKey(role)) {
      throw fail(EtcdErrors.ROLE_NOT_FOUND);
    }
    if (u.getRolesList().contains(role)) {
      return; // etcd ignores a repeated grant, revision unchanged
    }
    List<String> rs = new ArrayList<>(u.getRolesList());
    rs.add(role);
    rs.sort(AuthState.NAME_ORDER);
    putUser(user, u.toBuilder().clearRoles().addAllRoles(rs).build());
    bump();
  }

  void userRevokeRole(String user, String role) {
    if (enabled && user.equals(AuthState.ROOT) && role.equals(AuthState.ROOT)) {
      throw fail(EtcdErrors.INVALID_AUTH_MGMT);
    }
    User u = users.get(user);
    if (u == null) {
      throw fail(EtcdErrors.USER_NOT_FOUND);
    }
    List<String> rs = new ArrayList<>(u.getRolesList());
    if (!rs.removeIf(role::equals)) {
      throw fail(EtcdErrors.ROLE_NOT_GRANTED);
    }
    putUser(user, u.toBuilder().clearRoles().addAllRoles(rs).build());
    bump();
  }

  void roleAdd(String name) {
    if (name.isEmpty()) {
      throw fail(EtcdErrors.ROLE_EMPTY);
    }
    if (roles.containsKey(name)) {
      throw fail(EtcdErrors.ROLE_ALREADY_EXIST);
    }
    putRole(name, Role.newBuilder().setName(ByteString.copyFrom(name, StandardCharsets.UTF_8)).build());
    bump();
  }

  void roleDelete(String name) {
    if (enabled && name.equals(AuthState.ROOT)) {
      throw fail(EtcdErrors.INVALID_AUTH_MGMT);
    }
    if (!roles.containsKey(name)) {
      throw fail(EtcdErrors.ROLE_NOT_FOUND);
    }
    roles.remove(name);
    touchedRoles.add(name);
    for (User u : List.copyOf(users.values())) {
      if (u.getRolesList().contains(name)) {
        List<String> rs = new ArrayList<>(u.getRolesList());
        rs.removeIf(name::equals);
        putUser(u.getName().toStringUtf8(), u.toBuilder().clearRoles().addAllRoles(rs).build());
      }
    }
    bump();
  }

  void roleGrantPermission(AuthRoleGrantPermissionRequest r) {
    if (!r.hasPerm()) {
      throw fail(EtcdErrors.PERMISSION_NOT_GIVEN);
    }
    Permission p = r.getPerm();
    if (!validRange(p.getKey(), p.getRangeEnd())) {
      throw fail(EtcdErrors.INVALID_AUTH_MGMT);
    }
    Role role = roles.get(r.getName());
    if (role == null) {
      throw fail(EtcdErrors.ROLE_NOT_FOUND);
    }
    List<Permission> perms = new ArrayList<>(role.getKeyPermissionList());
    boolean updated = false;
    for (int i = 0; i < perms.size(); i++) {
      Permission q = perms.get(i);
      if (q.getKey().equals(p.getKey()) && q.getRangeEnd().equals(p.getRangeEnd())) {
        perms.set(i, q.toBuilder().setPermType(p.getPermType()).build());
        updated = true;
        break;
      }
    }
    if (!updated) {
      perms.add(Permission.newBuilder().setKey(p.getKey()).setRangeEnd(p.getRangeEnd())
          .setPermType(p.getPermType()).build());
      perms.sort((a, b) -> BYTES.compare(a.getKey(), b.getKey())); // stable: equal keys keep grant order
    }
    putRole(r.getName(), role.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build());
    bump();
  }

  void roleRevokePermission(AuthRoleRevokePermissionRequest r) {
    Role role = roles.get(r.getRole());
    if (role == null) {
      throw fail(EtcdErrors.ROLE_NOT_FOUND);
    }
    List<Permission> perms = new ArrayList<>(role.getKeyPermissionList());
    if (!perms.removeIf(q -> q.getKey().equals(r.getKey()) && q.getRangeEnd().equals(r.getRangeEnd()))) {
      throw fail(EtcdErrors.PERMISSION_NOT_GRANTED);
    }
    putRole(r.getRole(), role.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build());
    bump();
  }

  /** etcd's isValidPermissionRange: a key, and no range end, one above the key, or "\0" (every key from it on). */
  static boolean validRange(ByteString key, ByteString rangeEnd) {
    if (key.isEmpty()) {
      return false;
    }
    return rangeEnd.isEmpty() || BYTES.compare(key, rangeEnd) < 0 || rangeEnd.equals(ZERO);
  }
}
