package io.cairn.server.auth;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.cairn.proto.authpb.Permission;
import io.cairn.proto.authpb.Role;
import io.cairn.proto.authpb.User;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The auth state at one point of the log, immutable: whether auth is on, the auth revision, users, roles and each
 * user's merged permissions. Changes make a new state ({@link AuthChange}); the rows it is stored as in the store's
 * auth table are built and read here.
 */
final class AuthState {
  static final String ROOT = "root";
  /** What RoleGet shows for the root role (etcd's rootPerm): read-write on every key. */
  static final Permission ROOT_PERM = Permission.newBuilder().setPermType(Permission.Type.READWRITE)
      .setRangeEnd(ByteString.copyFrom(new byte[] {0})).build();

  /** Names ordered as etcd's bbolt buckets order them: by their bytes. */
  static final Comparator<String> NAME_ORDER = (a, b) -> ByteString.unsignedLexicographicalComparator()
      .compare(ByteString.copyFromUtf8(a), ByteString.copyFromUtf8(b));

  private static final String USER_PREFIX = "u/";
  private static final String ROLE_PREFIX = "r/";
  static final byte[] ENABLED_KEY = "enabled".getBytes(StandardCharsets.US_ASCII);
  static final byte[] REVISION_KEY = "revision".getBytes(StandardCharsets.US_ASCII);

  final boolean enabled;
  /** etcd starts its auth store at revision 1; every change but AuthEnable raises it by one. */
  final long revision;
  final SortedMap<String, User> users;
  final SortedMap<String, Role> roles;
  private final Map<String, RangePerms> perms;

  AuthState(boolean enabled, long revision, SortedMap<String, User> users, SortedMap<String, Role> roles) {
    this.enabled = enabled;
    this.revision = revision;
    this.users = Collections.unmodifiableSortedMap(users);
    this.roles = Collections.unmodifiableSortedMap(roles);
    Map<String, RangePerms> p = new HashMap<>();
    for (User u : users.values()) {
      List<Permission> all = new ArrayList<>();
      for (String r : u.getRolesList()) {
        Role role = roles.get(r);
        if (role != null) {
          all.addAll(role.getKeyPermissionList());
        }
      }
      p.put(u.getName().toStringUtf8(), RangePerms.of(all));
    }
    this.perms = p;
  }

  static AuthState empty() {
    return new AuthState(false, 1, new TreeMap<>(NAME_ORDER), new TreeMap<>(NAME_ORDER));
  }

  static AuthState fromRows(SortedMap<ByteString, byte[]> rows) {
    boolean enabled = false;
    long revision = 1;
    SortedMap<String, User> users = new TreeMap<>(NAME_ORDER);
    SortedMap<String, Role> roles = new TreeMap<>(NAME_ORDER);
    try {
      for (Map.Entry<ByteString, byte[]> e : rows.entrySet()) {
        String k = e.getKey().toStringUtf8();
        if (k.startsWith(USER_PREFIX)) {
          users.put(k.substring(USER_PREFIX.length()), User.parseFrom(e.getValue()));
        } else if (k.startsWith(ROLE_PREFIX)) {
          roles.put(k.substring(ROLE_PREFIX.length()), Role.parseFrom(e.getValue()));
        } else if (e.getKey().equals(ByteString.copyFrom(ENABLED_KEY))) {
          enabled = e.getValue().length == 1 && e.getValue()[0] == 1;
        } else if (e.getKey().equals(ByteString.copyFrom(REVISION_KEY))) {
          revision = ByteBuffer.wrap(e.getValue()).getLong();
        }
      }
    } catch (InvalidProtocolBufferException ex) {
      throw new IllegalStateException("auth: undecodable row in the store: " + ex.getMessage(), ex);
    }
    return new AuthState(enabled, revision, users, roles);
  }

  static byte[] userKey(String name) {
    return (USER_PREFIX + name).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] roleKey(String name) {
    return (ROLE_PREFIX + name).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] enabledValue(boolean on) {
    return new byte[] {(byte) (on ? 1 : 0)};
  }

  static byte[] revisionValue(long rev) {
    return ByteBuffer.allocate(8).putLong(rev).array();
  }

  User user(String name) {
    return users.get(name);
  }

  boolean hasRole(String user, String role) {
    User u = users.get(user);
    return u != null && u.getRolesList().contains(role);
  }

  static boolean hasRootRole(User u) {
    return u.getRolesList().contains(ROOT);
  }

  /** The merged permissions of {@code user}; none for an unknown user. */
  RangePerms perms(String user) {
    return perms.getOrDefault(user, RangePerms.NONE);
  }
}
