package io.cairn.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouteTableTest {

  /** etcd 3.6's full gateway path list (API reference 2.1) → gRPC full method name. */
  static Map<String, String> expected() {
    Map<String, String> m = new LinkedHashMap<>();
    String kv = "etcdserverpb.KV/";
    m.put("/v3/kv/range", kv + "Range");
    m.put("/v3/kv/put", kv + "Put");
    m.put("/v3/kv/deleterange", kv + "DeleteRange");
    m.put("/v3/kv/txn", kv + "Txn");
    m.put("/v3/kv/compaction", kv + "Compact");
    m.put("/v3/watch", "etcdserverpb.Watch/Watch");
    String lease = "etcdserverpb.Lease/";
    m.put("/v3/lease/grant", lease + "LeaseGrant");
    m.put("/v3/lease/revoke", lease + "LeaseRevoke");
    m.put("/v3/lease/keepalive", lease + "LeaseKeepAlive");
    m.put("/v3/lease/timetolive", lease + "LeaseTimeToLive");
    m.put("/v3/lease/leases", lease + "LeaseLeases");
    m.put("/v3/kv/lease/revoke", lease + "LeaseRevoke");
    m.put("/v3/kv/lease/timetolive", lease + "LeaseTimeToLive");
    m.put("/v3/kv/lease/leases", lease + "LeaseLeases");
    String cl = "etcdserverpb.Cluster/";
    m.put("/v3/cluster/member/add", cl + "MemberAdd");
    m.put("/v3/cluster/member/remove", cl + "MemberRemove");
    m.put("/v3/cluster/member/update", cl + "MemberUpdate");
    m.put("/v3/cluster/member/list", cl + "MemberList");
    m.put("/v3/cluster/member/promote", cl + "MemberPromote");
    String mt = "etcdserverpb.Maintenance/";
    m.put("/v3/maintenance/alarm", mt + "Alarm");
    m.put("/v3/maintenance/status", mt + "Status");
    m.put("/v3/maintenance/defragment", mt + "Defragment");
    m.put("/v3/maintenance/hash", mt + "Hash");
    m.put("/v3/maintenance/hashkv", mt + "HashKV");
    m.put("/v3/maintenance/snapshot", mt + "Snapshot");
    m.put("/v3/maintenance/transfer-leadership", mt + "MoveLeader");
    m.put("/v3/maintenance/downgrade", mt + "Downgrade");
    String au = "etcdserverpb.Auth/";
    m.put("/v3/auth/enable", au + "AuthEnable");
    m.put("/v3/auth/disable", au + "AuthDisable");
    m.put("/v3/auth/status", au + "AuthStatus");
    m.put("/v3/auth/authenticate", au + "Authenticate");
    m.put("/v3/auth/user/add", au + "UserAdd");
    m.put("/v3/auth/user/get", au + "UserGet");
    m.put("/v3/auth/user/list", au + "UserList");
    m.put("/v3/auth/user/delete", au + "UserDelete");
    m.put("/v3/auth/user/changepw", au + "UserChangePassword");
    m.put("/v3/auth/user/grant", au + "UserGrantRole");
    m.put("/v3/auth/user/revoke", au + "UserRevokeRole");
    m.put("/v3/auth/role/add", au + "RoleAdd");
    m.put("/v3/auth/role/get", au + "RoleGet");
    m.put("/v3/auth/role/list", au + "RoleList");
    m.put("/v3/auth/role/delete", au + "RoleDelete");
    m.put("/v3/auth/role/grant", au + "RoleGrantPermission");
    m.put("/v3/auth/role/revoke", au + "RoleRevokePermission");
    m.put("/v3/lock/lock", "v3lockpb.Lock/Lock");
    m.put("/v3/lock/unlock", "v3lockpb.Lock/Unlock");
    String el = "v3electionpb.Election/";
    m.put("/v3/election/campaign", el + "Campaign");
    m.put("/v3/election/proclaim", el + "Proclaim");
    m.put("/v3/election/leader", el + "Leader");
    m.put("/v3/election/observe", el + "Observe");
    m.put("/v3/election/resign", el + "Resign");
    return m;
  }

  @Test
  void everyEtcdPathMapsToItsMethodAndNothingElseIsRouted() {
    RouteTable t = RouteTable.etcd();
    Map<String, String> actual = new LinkedHashMap<>();
    t.all().forEach((path, route) -> actual.put(path, route.method().getFullMethodName()));
    assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected());
  }

  @Test
  void streamingKindsFollowTheMethods() {
    RouteTable t = RouteTable.etcd();
    assertThat(t.find("/v3/watch").clientStreaming()).isTrue();
    assertThat(t.find("/v3/lease/keepalive").clientStreaming()).isTrue();
    assertThat(t.find("/v3/maintenance/snapshot").clientStreaming()).isFalse();
    assertThat(t.find("/v3/maintenance/snapshot").serverStreaming()).isTrue();
    assertThat(t.find("/v3/election/observe").serverStreaming()).isTrue();
    assertThat(t.find("/v3/kv/put").serverStreaming()).isFalse();
  }

  @Test
  void v3betaIsRewritten() {
    assertThat(RouteTable.canonicalPath("/v3beta/kv/range")).isEqualTo("/v3/kv/range");
    assertThat(RouteTable.canonicalPath("/v3alpha/kv/range")).isEqualTo("/v3alpha/kv/range");
  }
}
