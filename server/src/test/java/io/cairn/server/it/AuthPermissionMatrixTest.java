package io.cairn.server.it;

import static io.cairn.server.it.AuthClients.b;
import static io.cairn.server.it.AuthClients.denied;
import static io.cairn.server.it.AuthClients.refused;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.authpb.Permission;
import io.cairn.proto.etcdserverpb.*;
import io.cairn.proto.v3electionpb.CampaignRequest;
import io.cairn.proto.v3electionpb.ElectionGrpc;
import io.cairn.proto.v3electionpb.LeaderRequest;
import io.cairn.proto.v3lockpb.LockGrpc;
import io.cairn.proto.v3lockpb.LockRequest;
import io.cairn.proto.v3lockpb.UnlockRequest;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every RPC (and a set of gateway routes) with auth on: a user without the permission is refused with etcd's code and
 * message and nothing changes; a user with it succeeds. alice may read and write under "a/", read "r" and write "w";
 * bob has no role.
 */
class AuthPermissionMatrixTest {
  @TempDir
  static Path dir;
  static Member cairn;
  static AuthClients c;
  static String root;
  static String alice;
  static String bob;

  @BeforeAll
  static void start() throws Exception {
    cairn = Member.cairn(dir);
    c = new AuthClients(cairn);
    KVGrpc.newBlockingStub(c.channel).put(PutRequest.newBuilder().setKey(b("secret")).setValue(b("s0")).build());
    KVGrpc.newBlockingStub(c.channel).put(PutRequest.newBuilder().setKey(b("r")).setValue(b("r0")).build());
    root = c.enableWithRoot("rootpw");
    c.user(root, "alice", "apw", "ra", Permission.Type.READWRITE, "a/", "a0", Permission.Type.READ, "r", "",
        Permission.Type.WRITE, "w", "");
    c.user(root, "bob", "bpw", null);
    alice = c.login("alice", "apw");
    bob = c.login("bob", "bpw");
  }

  @AfterAll
  static void stop() throws Exception {
    if (c != null) {
      c.close();
    }
    if (cairn != null) {
      cairn.close();
    }
  }

  static KVGrpc.KVBlockingStub kv(String token) {
    return KVGrpc.newBlockingStub(c.as(token)).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  static PutRequest put(String k, String v) {
    return PutRequest.newBuilder().setKey(b(k)).setValue(b(v)).build();
  }

  static RangeRequest get(String k) {
    return RangeRequest.newBuilder().setKey(b(k)).build();
  }

  /** The value as root sees it ("" when absent). */
  static String value(String k) {
    RangeResponse r = kv(root).range(get(k));
    return r.getKvsCount() == 0 ? "" : r.getKvs(0).getValue().toStringUtf8();
  }

  @Test
  void kvOperationsNeedTheirPermissions() {
    long rev = kv(root).range(get("x")).getHeader().getRevision();
    assertThat(kv(alice).range(get("r")).getKvs(0).getValue().toStringUtf8()).isEqualTo("r0");
    denied(() -> kv(alice).range(get("secret")));
    denied(() -> kv(alice).range(RangeRequest.newBuilder().setKey(b("a/")).setRangeEnd(b("b")).build()));
    denied(() -> kv(bob).range(get("r")));
    refused(() -> kv(null).range(get("r")), Status.Code.INVALID_ARGUMENT, "etcdserver: user name is empty");
    refused(() -> kv("garbage").range(get("r")), Status.Code.UNAUTHENTICATED, "etcdserver: invalid auth token");
    refused(() -> kv("abcdefghijklmnop.1").range(get("r")), Status.Code.UNAUTHENTICATED,
        "etcdserver: invalid auth token");

    denied(() -> kv(alice).put(put("secret", "x")));
    denied(() -> kv(alice).put(put("r", "x")));
    denied(() -> kv(alice).put(put("w", "x").toBuilder().setPrevKv(true).build())); // prev_kv needs read too
    denied(() -> kv(alice).deleteRange(DeleteRangeRequest.newBuilder().setKey(b("r")).build()));
    denied(() -> kv(alice).deleteRange(DeleteRangeRequest.newBuilder().setKey(b("w")).setPrevKv(true).build()));
    assertThat(kv(root).range(get("x")).getHeader().getRevision()).as("refusals change nothing").isEqualTo(rev);
    assertThat(value("secret")).isEqualTo("s0");
    assertThat(value("r")).isEqualTo("r0");

    kv(alice).put(put("w", "w1"));
    kv(alice).put(put("a/kv/1", "one"));
    assertThat(kv(alice).put(put("a/kv/1", "uno").toBuilder().setPrevKv(true).build()).getPrevKv().getValue()
        .toStringUtf8()).isEqualTo("one");
    assertThat(kv(alice).range(RangeRequest.newBuilder().setKey(b("a/kv/")).setRangeEnd(b("a/kv0")).build())
        .getCount()).isEqualTo(1);
    assertThat(kv(alice).deleteRange(DeleteRangeRequest.newBuilder().setKey(b("a/kv/")).setRangeEnd(b("a/kv0"))
        .setPrevKv(true).build()).getDeleted()).isEqualTo(1);
    assertThat(value("w")).isEqualTo("w1");
  }

  @Test
  void txnChecksEveryCompareAndOpIncludingNestedOnes() {
    RequestOp putA = RequestOp.newBuilder().setRequestPut(put("a/t", "t")).build();
    Compare onSecret = Compare.newBuilder().setKey(b("secret")).setTarget(Compare.CompareTarget.VERSION)
        .setResult(Compare.CompareResult.GREATER).setVersion(0).build();
    denied(() -> kv(alice).txn(TxnRequest.newBuilder().addCompare(onSecret).addSuccess(putA).build()));
    TxnRequest inner = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestPut(put("secret", "x")))
        .build();
    denied(() -> kv(alice).txn(TxnRequest.newBuilder().addSuccess(putA)
        .addFailure(RequestOp.newBuilder().setRequestTxn(inner)).build()));
    TxnRequest innerCompare = TxnRequest.newBuilder().addCompare(onSecret).build();
    denied(() -> kv(alice).txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestTxn(innerCompare))
        .build()));
    denied(() -> kv(alice).txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder()
        .setRequestRange(get("secret"))).build()));
    assertThat(value("a/t")).as("no branch of a refused txn ran").isEmpty();
    assertThat(value("secret")).isEqualTo("s0");

    TxnResponse ok = kv(alice).txn(TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(b("r")).setTarget(Compare.CompareTarget.VERSION)
            .setResult(Compare.CompareResult.GREATER).setVersion(0))
        .addSuccess(putA).addSuccess(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder()
            .addSuccess(RequestOp.newBuilder().setRequestRange(get("r"))))).build());
    assertThat(ok.getSucceeded()).isTrue();
    assertThat(value("a/t")).isEqualTo("t");
  }

  @Test
  void compactionMaintenanceAndClusterAreRootOnly() {
    long rev = kv(root).range(get("x")).getHeader().getRevision();
    denied(() -> kv(alice).compact(CompactionRequest.newBuilder().setRevision(rev).build()));
    Channel a = c.as(alice);
    MaintenanceGrpc.MaintenanceBlockingStub m = MaintenanceGrpc.newBlockingStub(a);
    denied(() -> m.status(StatusRequest.getDefaultInstance()));
    denied(() -> m.alarm(AlarmRequest.getDefaultInstance()));
    denied(() -> m.hash(HashRequest.getDefaultInstance()));
    denied(() -> m.hashKV(HashKVRequest.getDefaultInstance()));
    denied(() -> m.defragment(DefragmentRequest.getDefaultInstance()));
    denied(() -> m.snapshot(SnapshotRequest.getDefaultInstance()).hasNext());
    denied(() -> m.moveLeader(MoveLeaderRequest.newBuilder().setTargetID(1).build()));
    refused(() -> MaintenanceGrpc.newBlockingStub(c.channel).status(StatusRequest.getDefaultInstance()),
        Status.Code.INVALID_ARGUMENT, "etcdserver: user name is empty");
    ClusterGrpc.ClusterBlockingStub cl = ClusterGrpc.newBlockingStub(a);
    denied(() -> cl.memberList(MemberListRequest.getDefaultInstance()));
    denied(() -> cl.memberRemove(MemberRemoveRequest.newBuilder().setID(1).build()));
    denied(() -> cl.memberAdd(MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:1").build()));
    denied(() -> cl.memberUpdate(MemberUpdateRequest.newBuilder().setID(1).addPeerURLs("http://127.0.0.1:1").build()));
    denied(() -> cl.memberPromote(MemberPromoteRequest.newBuilder().setID(1).build()));
    denied(() -> m.downgrade(DowngradeRequest.newBuilder().setVersion("3.5").build()));

    Channel r = c.as(root);
    assertThat(MaintenanceGrpc.newBlockingStub(r).status(StatusRequest.getDefaultInstance()).getVersion()).isNotEmpty();
    Iterator<SnapshotResponse> snap = MaintenanceGrpc.newBlockingStub(r).snapshot(SnapshotRequest.getDefaultInstance());
    assertThat(snap.next().getBlob().size()).isPositive();
    assertThat(ClusterGrpc.newBlockingStub(r).memberList(MemberListRequest.getDefaultInstance()).getMembersCount())
        .isEqualTo(1);
    assertThat(kv(root).compact(CompactionRequest.newBuilder().setRevision(rev).build()).getHeader().getRevision())
        .isGreaterThanOrEqualTo(rev);
  }

  @Test
  void authManagementIsRootsExceptOwnUserAndRoles() {
    AuthGrpc.AuthBlockingStub a = AuthGrpc.newBlockingStub(c.as(alice));
    denied(() -> a.userList(AuthUserListRequest.getDefaultInstance()));
    denied(() -> a.roleList(AuthRoleListRequest.getDefaultInstance()));
    denied(() -> a.userAdd(AuthUserAddRequest.newBuilder().setName("mallory").setPassword("m").build()));
    denied(() -> a.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("alice").setRole("root").build()));
    denied(() -> a.authDisable(AuthDisableRequest.getDefaultInstance()));
    denied(() -> a.userGet(AuthUserGetRequest.newBuilder().setName("bob").build()));
    denied(() -> a.userDelete(AuthUserDeleteRequest.newBuilder().setName("bob").build()));
    denied(() -> a.userChangePassword(AuthUserChangePasswordRequest.newBuilder().setName("bob").setPassword("x")
        .build()));
    denied(() -> a.userRevokeRole(AuthUserRevokeRoleRequest.newBuilder().setName("alice").setRole("ra").build()));
    denied(() -> a.roleAdd(AuthRoleAddRequest.newBuilder().setName("mine").build()));
    denied(() -> a.roleDelete(AuthRoleDeleteRequest.newBuilder().setRole("ra").build()));
    denied(() -> a.roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName("ra").setPerm(Permission
        .newBuilder().setPermType(Permission.Type.READWRITE).setKey(b("secret"))).build()));
    denied(() -> a.roleRevokePermission(AuthRoleRevokePermissionRequest.newBuilder().setRole("ra").setKey(b("r"))
        .build()));
    denied(() -> a.authEnable(AuthEnableRequest.getDefaultInstance()));
    denied(() -> a.roleGet(AuthRoleGetRequest.newBuilder().setRole("root").build()));
    assertThat(a.userGet(AuthUserGetRequest.newBuilder().setName("alice").build()).getRolesList()).containsExactly("ra");
    assertThat(a.roleGet(AuthRoleGetRequest.newBuilder().setRole("ra").build()).getPermCount()).isEqualTo(3);
    AuthStatusResponse st = a.authStatus(AuthStatusRequest.getDefaultInstance());
    assertThat(st.getEnabled()).isTrue();
    assertThat(st.getAuthRevision()).isGreaterThan(1);
    refused(() -> AuthGrpc.newBlockingStub(c.channel).userList(AuthUserListRequest.getDefaultInstance()),
        Status.Code.INVALID_ARGUMENT, "etcdserver: user name is empty");
    assertThat(AuthGrpc.newBlockingStub(c.as(root)).userList(AuthUserListRequest.getDefaultInstance()).getUsersList())
        .contains("alice", "bob", "root");
  }

  @Test
  void rootRoleShowsEtcd36sRootPermission() {
    AuthRoleGetResponse r = AuthGrpc.newBlockingStub(c.as(root)).roleGet(AuthRoleGetRequest.newBuilder()
        .setRole("root").build());
    assertThat(r.getPermList()).containsExactly(Permission.newBuilder().setPermType(Permission.Type.READWRITE)
        .setRangeEnd(b("\0")).build());
  }

  @Test
  void wrongPasswordAndUnknownUserGetTheSameAnswer() {
    AuthGrpc.AuthBlockingStub a = AuthGrpc.newBlockingStub(c.channel);
    refused(() -> a.authenticate(AuthenticateRequest.newBuilder().setName("alice").setPassword("nope").build()),
        Status.Code.INVALID_ARGUMENT, "etcdserver: authentication failed, invalid user ID or password");
    refused(() -> a.authenticate(AuthenticateRequest.newBuilder().setName("nobody").setPassword("nope").build()),
        Status.Code.INVALID_ARGUMENT, "etcdserver: authentication failed, invalid user ID or password");
  }

  @Test
  void leasesNeedAUserAndWriteOnTheirKeys() throws Exception {
    LeaseGrpc.LeaseBlockingStub asAlice = LeaseGrpc.newBlockingStub(c.as(alice));
    refused(() -> LeaseGrpc.newBlockingStub(c.channel).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()),
        Status.Code.INVALID_ARGUMENT, "etcdserver: user name is empty");
    long id = asAlice.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()).getID();
    kv(root).put(put("secret-leased", "x").toBuilder().setLease(id).build());
    denied(() -> asAlice.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build()));
    denied(() -> asAlice.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(true).build()));
    assertThat(asAlice.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).build()).getTTL()).isPositive();
    denied(() -> asAlice.leaseLeases(LeaseLeasesRequest.getDefaultInstance()));
    denied(() -> kv(alice).put(put("a/leased", "x").toBuilder().setLease(id).build()));
    Iterator<LeaseKeepAliveResponse> ka = keepAliveOnce(c.as(alice), id);
    denied(ka::next);
    assertThat(value("secret-leased")).as("refused revoke changed nothing").isEqualTo("x");
    assertThat(asAlice.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).build()).getTTL()).isPositive();
    LeaseGrpc.newBlockingStub(c.as(root)).leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build());
    assertThat(value("secret-leased")).isEmpty();
  }

  /** One keep-alive request on a stream; the iterator yields its answer (or throws its error). */
  static Iterator<LeaseKeepAliveResponse> keepAliveOnce(Channel ch, long id) {
    LinkedBlockingQueue<Object> q = new LinkedBlockingQueue<>();
    StreamObserver<LeaseKeepAliveRequest> req = LeaseGrpc.newStub(ch).leaseKeepAlive(collect(q));
    req.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public LeaseKeepAliveResponse next() {
        Object o = poll(q);
        req.onCompleted();
        if (o instanceof RuntimeException e) {
          throw e;
        }
        return (LeaseKeepAliveResponse) o;
      }
    };
  }

  static <T> StreamObserver<T> collect(LinkedBlockingQueue<Object> q) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T v) {
        q.add(v);
      }

      @Override
      public void onError(Throwable t) {
        q.add(t instanceof RuntimeException r ? r : new RuntimeException(t));
      }

      @Override
      public void onCompleted() {}
    };
  }

  static Object poll(LinkedBlockingQueue<Object> q) {
    try {
      Object o = q.poll(20, TimeUnit.SECONDS);
      assertThat(o).as("an answer within 20 s").isNotNull();
      return o;
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  static WatchResponse create(StreamObserver<WatchRequest> w, LinkedBlockingQueue<Object> q, String key, String end) {
    w.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(b(key))
        .setRangeEnd(b(end))).build());
    return (WatchResponse) poll(q);
  }

  @Test
  void watchCreatesOnForbiddenRangesAreCanceledAndRevokingARoleStopsNewOnes() throws Exception {
    c.user(root, "carol", "cpw", "rc", Permission.Type.READWRITE, "c/", "c0");
    String carol = c.login("carol", "cpw");
    LinkedBlockingQueue<Object> q = new LinkedBlockingQueue<>();
    StreamObserver<WatchRequest> w = WatchGrpc.newStub(c.as(carol)).watch(collect(q));
    WatchResponse refusedCreate = create(w, q, "secret", "");
    assertThat(refusedCreate.getCreated()).isTrue();
    assertThat(refusedCreate.getCanceled()).isTrue();
    assertThat(refusedCreate.getWatchId()).isEqualTo(-1);
    assertThat(refusedCreate.getCancelReason()).isEqualTo("etcdserver: permission denied");
    WatchResponse prefix = create(w, q, "c/", "c0");
    assertThat(prefix.getCreated()).isTrue();
    assertThat(prefix.getCanceled()).isFalse();
    kv(carol).put(put("c/1", "v1"));
    WatchResponse ev = (WatchResponse) poll(q);
    assertThat(ev.getEvents(0).getKv().getKey().toStringUtf8()).isEqualTo("c/1");

    LinkedBlockingQueue<Object> nq = new LinkedBlockingQueue<>();
    StreamObserver<WatchRequest> none = WatchGrpc.newStub(c.channel).watch(collect(nq));
    assertThat(create(none, nq, "c/", "c0").getCancelReason()).isEqualTo("etcdserver: user name is empty");
    none.onCompleted();

    AuthGrpc.newBlockingStub(c.as(root)).userRevokeRole(AuthUserRevokeRoleRequest.newBuilder().setName("carol")
        .setRole("rc").build());
    // the token stays valid, the permission is gone: reads, writes and new watches are refused
    denied(() -> kv(carol).range(get("c/1")));
    denied(() -> kv(carol).put(put("c/2", "v2")));
    WatchResponse after = create(w, q, "c/", "c0");
    assertThat(after.getCanceled()).isTrue();
    assertThat(after.getCancelReason()).isEqualTo("etcdserver: permission denied");
    // as in etcd, a watch created while permitted keeps its stream: the permission is checked at creation only
    kv(root).put(put("c/3", "v3"));
    WatchResponse late = (WatchResponse) poll(q);
    assertThat(late.getWatchId()).isEqualTo(prefix.getWatchId());
    assertThat(late.getEvents(0).getKv().getKey().toStringUtf8()).isEqualTo("c/3");
    w.onCompleted();
  }

  @Test
  void lockAndElectionNeedTheKeysTheyUse() {
    LockGrpc.LockBlockingStub lock = LockGrpc.newBlockingStub(c.as(alice)).withDeadlineAfter(20, TimeUnit.SECONDS);
    long lease = LeaseGrpc.newBlockingStub(c.as(alice)).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build())
        .getID();
    denied(() -> lock.lock(LockRequest.newBuilder().setName(b("secret")).setLease(lease).build()));
    var held = lock.lock(LockRequest.newBuilder().setName(b("a/lk")).setLease(lease).build());
    assertThat(held.getKey().toStringUtf8()).startsWith("a/lk/");
    denied(() -> lock.unlock(UnlockRequest.newBuilder().setKey(b("secret")).build()));
    lock.unlock(UnlockRequest.newBuilder().setKey(held.getKey()).build());
    ElectionGrpc.ElectionBlockingStub el = ElectionGrpc.newBlockingStub(c.as(alice))
        .withDeadlineAfter(20, TimeUnit.SECONDS);
    denied(() -> el.campaign(CampaignRequest.newBuilder().setName(b("secret")).setLease(lease).setValue(b("v"))
        .build()));
    denied(() -> el.leader(LeaderRequest.newBuilder().setName(b("secret")).build()));
    denied(() -> el.observe(LeaderRequest.newBuilder().setName(b("secret")).build()).hasNext());
    io.cairn.proto.v3electionpb.LeaderKey theirs = io.cairn.proto.v3electionpb.LeaderKey.newBuilder()
        .setName(b("secret")).setKey(b("secret/1")).setLease(lease).build();
    denied(() -> el.proclaim(io.cairn.proto.v3electionpb.ProclaimRequest.newBuilder().setLeader(theirs)
        .setValue(b("x")).build()));
    denied(() -> el.resign(io.cairn.proto.v3electionpb.ResignRequest.newBuilder().setLeader(theirs).build()));
    assertThat(el.campaign(CampaignRequest.newBuilder().setName(b("a/el")).setLease(lease).setValue(b("me")).build())
        .getLeader().getKey().toStringUtf8()).startsWith("a/el/");
  }

  @Test
  void gatewayRoutesForwardTheAuthorizationHeader() throws Exception {
    String secret = Base64.getEncoder().encodeToString("secret".getBytes(StandardCharsets.UTF_8));
    String mine = Base64.getEncoder().encodeToString("a/gw".getBytes(StandardCharsets.UTF_8));
    Http1.Response login = Http1.post(cairn.clientPort, "/v3/auth/authenticate", "{\"name\":\"alice\",\"password\":\"apw\"}");
    assertThat(login.status()).isEqualTo(200);
    String token = login.text().replaceAll(".*\"token\":\"([^\"]+)\".*", "$1");
    Map<String, String> auth = Map.of("Authorization", token);
    Http1.Response no = Http1.exchange(cairn.clientPort, "POST", "/v3/kv/range", auth,
        ("{\"key\":\"" + secret + "\"}").getBytes(StandardCharsets.UTF_8));
    assertThat(no.status()).isEqualTo(403);
    assertThat(no.text()).contains("etcdserver: permission denied");
    Http1.Response put = Http1.exchange(cairn.clientPort, "POST", "/v3/kv/put", auth,
        ("{\"key\":\"" + mine + "\",\"value\":\"" + mine + "\"}").getBytes(StandardCharsets.UTF_8));
    assertThat(put.status()).isEqualTo(200);
    assertThat(value("a/gw")).isEqualTo("a/gw");
    Http1.Response bearer = Http1.exchange(cairn.clientPort, "POST", "/v3/kv/range",
        Map.of("Authorization", "Bearer " + token), ("{\"key\":\"" + mine + "\"}").getBytes(StandardCharsets.UTF_8));
    assertThat(bearer.status()).isEqualTo(200);
    assertThat(Http1.exchange(cairn.clientPort, "POST", "/v3/maintenance/status", auth,
        "{}".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(403);
    assertThat(Http1.exchange(cairn.clientPort, "POST", "/v3/auth/user/list", auth,
        "{}".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(403);
    Http1.Response anon = Http1.post(cairn.clientPort, "/v3/kv/range", "{\"key\":\"" + mine + "\"}");
    assertThat(anon.status()).isEqualTo(400);
    assertThat(anon.text()).contains("etcdserver: user name is empty");
    Http1.Response bad = Http1.exchange(cairn.clientPort, "POST", "/v3/kv/range", Map.of("Authorization", "nope"),
        ("{\"key\":\"" + mine + "\"}").getBytes(StandardCharsets.UTF_8));
    assertThat(bad.status()).isEqualTo(401);
    assertThat(Http1.exchange(cairn.clientPort, "POST", "/v3/lease/grant", auth,
        "{\"TTL\":30}".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(200);
    assertThat(Http1.exchange(cairn.clientPort, "POST", "/v3/kv/compaction", auth,
        "{\"revision\":1}".getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(403);
  }

  @Test
  void jetcdAuthenticatesAndSeesEtcdsErrors() throws Exception {
    try (Client j = Client.builder().endpoints("http://" + cairn.endpoint())
        .user(ByteSequence.from("alice", StandardCharsets.UTF_8))
        .password(ByteSequence.from("apw", StandardCharsets.UTF_8)).build()) {
      j.getKVClient().put(ByteSequence.from("a/j", StandardCharsets.UTF_8), ByteSequence.from("jv", StandardCharsets.UTF_8))
          .get(20, TimeUnit.SECONDS);
      assertThat(value("a/j")).isEqualTo("jv");
      Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        try {
          j.getKVClient().get(ByteSequence.from("secret", StandardCharsets.UTF_8)).get(20, TimeUnit.SECONDS);
          throw new AssertionError("read of secret allowed");
        } catch (ExecutionException e) {
          assertThat(e.getCause()).hasMessageContaining("etcdserver: permission denied");
        }
      });
    }
  }
}
