package io.cairn.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.proto.authpb.Permission;
import io.cairn.proto.etcdserverpb.AuthEnableRequest;
import io.cairn.proto.etcdserverpb.AuthRoleAddRequest;
import io.cairn.proto.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.cairn.proto.etcdserverpb.AuthUserAddRequest;
import io.cairn.proto.etcdserverpb.AuthUserGrantRoleRequest;
import io.cairn.proto.etcdserverpb.AuthUserRevokeRoleRequest;
import io.cairn.proto.etcdserverpb.AuthenticateResponse;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.serverpb.InternalAuthenticateRequest;
import io.cairn.proto.serverpb.InternalRequest;
import io.cairn.proto.serverpb.RequestAuth;
import io.cairn.server.apply.RequestApplier;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreOptions;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The apply side: auth changes land in the store with their raft index and are published only once written; a
 * client write is checked against the auth state at its place in the log, with the user and revision its proposer
 * saw; the state is read back from the store after a restart.
 */
class AuthApplierTest {
  @TempDir
  Path dir;
  MvccStore store;
  AuthStore auth;
  RequestApplier applier;
  final AtomicLong now = new AtomicLong(0);
  long index;

  @BeforeEach
  void open() {
    store = MvccStore.open(dir.resolve("store"), StoreOptions.builder().syncWrites(false).build());
    start();
  }

  void start() {
    auth = new AuthStore(AuthState.fromRows(store.authRows()), new SimpleTokens(300_000, now::get),
        new Passwords(4, 1), false, () -> index);
    applier = new RequestApplier(store, io.cairn.server.apply.ApplyGate.OPEN, new AuthApplier(auth, store));
  }

  @AfterEach
  void close() {
    applier.close();
    auth.close();
    store.close();
  }

  static final RequestAuth ROOT = RequestAuth.newBuilder().setUsername("root").setRevision(1).build();

  Object apply(InternalRequest.Builder r) {
    return applier.apply(r.build(), ++index);
  }

  void setUp() {
    apply(InternalRequest.newBuilder().setAuth(RequestAuth.getDefaultInstance()).setUserAdd(AuthUserAddRequest
        .newBuilder().setName("root").setHashedPassword(auth.passwords.hash("pw"))));
    apply(InternalRequest.newBuilder().setAuth(RequestAuth.getDefaultInstance()).setUserAdd(AuthUserAddRequest
        .newBuilder().setName("alice").setHashedPassword(auth.passwords.hash("apw"))));
    apply(InternalRequest.newBuilder().setAuth(RequestAuth.getDefaultInstance())
        .setRoleAdd(AuthRoleAddRequest.newBuilder().setName("ra")));
    apply(InternalRequest.newBuilder().setAuth(RequestAuth.getDefaultInstance()).setRoleGrantPermission(
        AuthRoleGrantPermissionRequest.newBuilder().setName("ra").setPerm(Permission.newBuilder()
            .setPermType(Permission.Type.READWRITE).setKey(ByteString.copyFromUtf8("a/"))
            .setRangeEnd(ByteString.copyFromUtf8("a0")))));
    apply(InternalRequest.newBuilder().setAuth(RequestAuth.getDefaultInstance()).setUserGrantRole(
        AuthUserGrantRoleRequest.newBuilder().setUser("alice").setRole("ra")));
    apply(InternalRequest.newBuilder().setAuth(RequestAuth.getDefaultInstance()).setUserGrantRole(
        AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root")));
    apply(InternalRequest.newBuilder().setAuth(RequestAuth.getDefaultInstance())
        .setAuthEnable(AuthEnableRequest.getDefaultInstance()));
  }

  static InternalRequest.Builder put(String key, RequestAuth who) {
    return InternalRequest.newBuilder().setAuth(who).setPut(PutRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("v")));
  }

  static String message(Throwable t) {
    return ((StatusRuntimeException) t).getStatus().getDescription();
  }

  @Test
  void changesArePublishedOnlyOnceTheirBatchIsWritten() {
    setUp();
    assertThat(auth.enabled()).as("staged, not written").isFalse();
    assertThat(auth.revision()).isEqualTo(1);
    applier.commit();
    assertThat(auth.enabled()).isTrue();
    assertThat(auth.revision()).isEqualTo(7); // six changes after the initial 1; enable does not count
    assertThat(store.consistentIndex()).isEqualTo(index);
  }

  @Test
  void writesAreCheckedAgainstTheStateAtTheirPlaceInTheLog() {
    setUp();
    applier.commit();
    long rev = auth.revision();
    RequestAuth alice = RequestAuth.newBuilder().setUsername("alice").setRevision(rev).build();
    apply(put("a/1", alice));
    assertThatThrownBy(() -> apply(put("b", alice))).satisfies(t ->
        assertThat(message(t)).isEqualTo("etcdserver: permission denied"));
    assertThatThrownBy(() -> apply(put("a/2", RequestAuth.getDefaultInstance()))).satisfies(t ->
        assertThat(message(t)).isEqualTo("etcdserver: user name is empty"));
    // the role is revoked in the log between alice's check and her write: the write is refused when applied
    apply(InternalRequest.newBuilder().setAuth(ROOT.toBuilder().setRevision(rev))
        .setUserRevokeRole(AuthUserRevokeRoleRequest.newBuilder().setName("alice").setRole("ra")));
    assertThatThrownBy(() -> apply(put("a/3", alice))).satisfies(t ->
        assertThat(message(t)).isEqualTo("etcdserver: revision of auth store is old"));
    assertThatThrownBy(() -> apply(put("a/3", alice.toBuilder().setRevision(rev + 1).build()))).satisfies(t ->
        assertThat(message(t)).isEqualTo("etcdserver: permission denied"));
    assertThatThrownBy(() -> apply(InternalRequest.newBuilder().setAuth(alice.toBuilder().setRevision(rev + 1))
        .setRoleAdd(AuthRoleAddRequest.newBuilder().setName("mine")))).satisfies(t ->
        assertThat(message(t)).isEqualTo("etcdserver: permission denied"));
    apply(put("system", RequestAuth.getDefaultInstance()).clearAuth()); // the member's own proposals act as root
    applier.commit();
    assertThat(store.range(io.cairn.proto.etcdserverpb.RangeRequest.newBuilder()
        .setKey(ByteString.copyFromUtf8("\0")).setRangeEnd(ByteString.copyFromUtf8("\0")).build()).getKvsList())
        .extracting(kv -> kv.getKey().toStringUtf8()).containsExactly("a/1", "system");
  }

  @Test
  void authenticateRegistersTheTokenOnEveryMemberThatAppliesIt() {
    setUp();
    applier.commit();
    Object r = apply(InternalRequest.newBuilder().setAuthenticate(InternalAuthenticateRequest.newBuilder()
        .setName("alice").setSimpleToken("abcdefghijklmnop")));
    String token = ((AuthenticateResponse) r).getToken();
    assertThat(token).isEqualTo("abcdefghijklmnop." + index);
    assertThat(auth.tokens.info(token, auth.revision())).isEqualTo(new AuthInfo("alice", auth.revision()));
    assertThatThrownBy(() -> apply(InternalRequest.newBuilder().setAuthenticate(InternalAuthenticateRequest
        .newBuilder().setName("ghost").setSimpleToken("x")))).satisfies(t ->
        assertThat(message(t)).isEqualTo("etcdserver: authentication failed, invalid user ID or password"));
  }

  @Test
  void aTokenThatCannotBeMadeIsRefusedWithoutStoppingTheApplier() throws Exception {
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    Path pub = dir.resolve("verify-only.pub");
    JwtTokensTest.writePem(pub, g.generateKeyPair().getPublic());
    applier.close();
    auth.close();
    auth = new AuthStore(AuthState.fromRows(store.authRows()),
        new JwtTokens(JwtOptions.parse("jwt,sign-method=RS256,pub-key=" + pub), now::get), new Passwords(4, 1),
        false, () -> index);
    applier = new RequestApplier(store, io.cairn.server.apply.ApplyGate.OPEN, new AuthApplier(auth, store));
    setUp();
    applier.commit();
    assertThatThrownBy(() -> apply(InternalRequest.newBuilder().setAuthenticate(InternalAuthenticateRequest
        .newBuilder().setName("alice")))).satisfies(t -> {
          assertThat(((StatusRuntimeException) t).getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNKNOWN);
          assertThat(message(t)).isEqualTo("auth: token signing attempted with verify-only key");
        });
    apply(put("a/after", RequestAuth.newBuilder().setUsername("alice").setRevision(auth.revision()).build()));
  }

  @Test
  void theStateIsReadBackFromTheStore() {
    setUp();
    applier.commit();
    AuthState before = auth.state();
    close();
    store = MvccStore.open(dir.resolve("store"), StoreOptions.builder().syncWrites(false).build());
    start();
    assertThat(auth.enabled()).isTrue();
    assertThat(auth.revision()).isEqualTo(before.revision);
    assertThat(auth.state().users).isEqualTo(before.users);
    assertThat(auth.state().roles).isEqualTo(before.roles);
    assertThat(Passwords.matches(auth.state().user("alice").getPassword().toByteArray(), "apw")).isTrue();
  }
}
