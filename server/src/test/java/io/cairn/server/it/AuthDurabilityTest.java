package io.cairn.server.it;

import static io.cairn.server.it.AuthClients.b;
import static io.cairn.server.it.AuthClients.denied;
import static io.cairn.server.it.AuthClients.refused;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.authpb.Permission;
import io.cairn.proto.etcdserverpb.AuthGrpc;
import io.cairn.proto.etcdserverpb.AuthStatusRequest;
import io.cairn.proto.etcdserverpb.AuthStatusResponse;
import io.cairn.proto.etcdserverpb.AuthUserListRequest;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Auth state is in the store: it survives a restart, an etcdctl snapshot save / cairn restore, and a raft snapshot. */
class AuthDurabilityTest {
  @TempDir
  Path dir;
  final List<Member> members = new ArrayList<>();
  final List<AuthClients> clients = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    clients.forEach(AuthClients::close);
    for (Member m : members) {
      m.close();
    }
  }

  AuthClients clients(Member m) {
    AuthClients c = new AuthClients(m);
    clients.add(c);
    return c;
  }

  static void put(AuthClients c, String token, String k, String v) {
    KVGrpc.newBlockingStub(c.as(token)).withDeadlineAfter(20, TimeUnit.SECONDS)
        .put(PutRequest.newBuilder().setKey(b(k)).setValue(b(v)).build());
  }

  static String get(AuthClients c, String token, String k) {
    var r = KVGrpc.newBlockingStub(c.as(token)).withDeadlineAfter(20, TimeUnit.SECONDS)
        .range(RangeRequest.newBuilder().setKey(b(k)).build());
    return r.getKvsCount() == 0 ? "" : r.getKvs(0).getValue().toStringUtf8();
  }

  /** alice may read and write under "a/"; what each check below expects of any copy of this state. */
  static void assertAliceState(AuthClients c, AuthStatusResponse want) {
    String alice = c.login("alice", "apw");
    assertThat(get(c, alice, "a/1")).isEqualTo("one");
    denied(() -> get(c, alice, "secret"));
    refused(() -> get(c, null, "a/1"), Status.Code.INVALID_ARGUMENT, "etcdserver: user name is empty");
    String root = c.login("root", "rootpw");
    AuthStatusResponse st = AuthGrpc.newBlockingStub(c.as(root)).authStatus(AuthStatusRequest.getDefaultInstance());
    assertThat(st.getEnabled()).isTrue();
    assertThat(st.getAuthRevision()).isEqualTo(want.getAuthRevision());
    assertThat(AuthGrpc.newBlockingStub(c.as(root)).userList(AuthUserListRequest.getDefaultInstance()).getUsersList())
        .containsExactly("alice", "root");
  }

  @Test
  void survivesRestartAndBackupRestore() throws Exception {
    Member m = Member.cairn(dir);
    members.add(m);
    AuthClients c = clients(m);
    put(c, null, "secret", "s");
    String root = c.enableWithRoot("rootpw");
    c.user(root, "alice", "apw", "ra", Permission.Type.READWRITE, "a/", "a0");
    String alice = c.login("alice", "apw");
    put(c, alice, "a/1", "one");
    AuthStatusResponse before = AuthGrpc.newBlockingStub(c.as(root)).authStatus(AuthStatusRequest.getDefaultInstance());

    Path backup = dir.resolve("auth.db");
    Etcdctl ctl = new Etcdctl(m.endpoint());
    Etcdctl.Result refusedSave = ctl.run("--user", "alice:apw", "snapshot", "save", dir.resolve("no.db").toString());
    assertThat(refusedSave.exit()).isNotZero();
    assertThat(refusedSave.err()).contains("etcdserver: permission denied");
    ctl.run("--user", "root:rootpw", "snapshot", "save", backup.toString()).ok();

    m.stop();
    m.startProcess();
    AuthClients after = clients(m);
    // simple tokens live in memory, as etcd's: the old one is gone, the state is not
    refused(() -> get(after, alice, "a/1"), Status.Code.UNAUTHENTICATED, "etcdserver: invalid auth token");
    assertAliceState(after, before);

    int client = Ports.free();
    int peer = Ports.free();
    Path data = dir.resolve("restored");
    CairnTool.snapshot("restore", backup.toString(), "--name", "r1", "--data-dir", data.toString(),
        "--initial-cluster", "r1=http://127.0.0.1:" + peer, "--initial-cluster-token", "restored",
        "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer).ok();
    Member restored = Member.cairnAt(data, "r1", client, peer, "--initial-cluster-token", "restored");
    members.add(restored);
    AuthClients rc = clients(restored);
    Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> rc.login("alice", "apw"));
    assertAliceState(rc, before);
  }

  @Test
  void aMemberCatchingUpFromARaftSnapshotGetsTheAuthState() throws Exception {
    members.addAll(Member.cairnCluster(dir, 3, "--snapshot-count", "20", "--experimental-snapshot-catchup-entries",
        "5"));
    ClusterTest.awaitLeader(members);
    Member lagging = members.get(2);
    lagging.stop();
    AuthClients c = clients(members.get(0));
    put(c, null, "secret", "s");
    String root = c.enableWithRoot("rootpw");
    c.user(root, "alice", "apw", "ra", Permission.Type.READWRITE, "a/", "a0");
    put(c, c.login("alice", "apw"), "a/1", "one");
    for (int i = 0; i < 60; i++) {
      put(c, root, "k" + i, "v" + i);
    }
    AuthStatusResponse want = AuthGrpc.newBlockingStub(c.as(root)).authStatus(AuthStatusRequest.getDefaultInstance());
    lagging.startProcess();
    AuthClients lc = clients(lagging);
    // simple tokens made before the snapshot are not in it (etcd keeps them in memory only): log in here
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
        .until(() -> get(lc, lc.login("root", "rootpw"), "k59").equals("v59"));
    assertThat(lagging.logText()).contains("\"replaced-store\":true"); // the "applied snapshot" line of an install
    assertAliceState(lc, want);
    // a simple token issued through another member from now on is known here too (every member applies Authenticate)
    String aliceElsewhere = c.login("alice", "apw");
    assertThat(get(lc, aliceElsewhere, "a/1")).isEqualTo("one");
  }
}
