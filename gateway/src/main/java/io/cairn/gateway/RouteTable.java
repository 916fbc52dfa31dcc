package io.cairn.gateway;

import com.google.protobuf.Message;
import io.cairn.proto.etcdserverpb.AuthGrpc;
import io.cairn.proto.etcdserverpb.ClusterGrpc;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.LeaseGrpc;
import io.cairn.proto.etcdserverpb.MaintenanceGrpc;
import io.cairn.proto.etcdserverpb.WatchGrpc;
import io.cairn.proto.v3electionpb.ElectionGrpc;
import io.cairn.proto.v3lockpb.LockGrpc;
import io.grpc.MethodDescriptor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** etcd 3.6's gateway routes (rpc.proto, v3lock.proto, v3election.proto google.api.http options). */
final class RouteTable {
  private final Map<String, Route> routes;

  private RouteTable(Map<String, Route> routes) {
    this.routes = Collections.unmodifiableMap(routes);
  }

  /** The route for a path already rewritten from /v3beta/, or null. */
  Route find(String path) {
    return routes.get(path);
  }

  Map<String, Route> all() {
    return routes;
  }

  static RouteTable etcd() {
    Map<String, Route> r = new LinkedHashMap<>();
    add(r, "/v3/kv/range", KVGrpc.getRangeMethod());
    add(r, "/v3/kv/put", KVGrpc.getPutMethod());
    add(r, "/v3/kv/deleterange", KVGrpc.getDeleteRangeMethod());
    add(r, "/v3/kv/txn", KVGrpc.getTxnMethod());
    add(r, "/v3/kv/compaction", KVGrpc.getCompactMethod());

    add(r, "/v3/watch", WatchGrpc.getWatchMethod());

    add(r, "/v3/lease/grant", LeaseGrpc.getLeaseGrantMethod());
    add(r, "/v3/lease/revoke", LeaseGrpc.getLeaseRevokeMethod());
    add(r, "/v3/lease/keepalive", LeaseGrpc.getLeaseKeepAliveMethod());
    add(r, "/v3/lease/timetolive", LeaseGrpc.getLeaseTimeToLiveMethod());
    add(r, "/v3/lease/leases", LeaseGrpc.getLeaseLeasesMethod());
    // etcd keeps these additional_bindings from 3.1-3.3 for old clients
    add(r, "/v3/kv/lease/revoke", LeaseGrpc.getLeaseRevokeMethod());
    add(r, "/v3/kv/lease/timetolive", LeaseGrpc.getLeaseTimeToLiveMethod());
    add(r, "/v3/kv/lease/leases", LeaseGrpc.getLeaseLeasesMethod());

    add(r, "/v3/cluster/member/add", ClusterGrpc.getMemberAddMethod());
    add(r, "/v3/cluster/member/remove", ClusterGrpc.getMemberRemoveMethod());
    add(r, "/v3/cluster/member/update", ClusterGrpc.getMemberUpdateMethod());
    add(r, "/v3/cluster/member/list", ClusterGrpc.getMemberListMethod());
    add(r, "/v3/cluster/member/promote", ClusterGrpc.getMemberPromoteMethod());

    add(r, "/v3/maintenance/alarm", MaintenanceGrpc.getAlarmMethod());
    add(r, "/v3/maintenance/status", MaintenanceGrpc.getStatusMethod());
    add(r, "/v3/maintenance/defragment", MaintenanceGrpc.getDefragmentMethod());
    add(r, "/v3/maintenance/hash", MaintenanceGrpc.getHashMethod());
    add(r, "/v3/maintenance/hashkv", MaintenanceGrpc.getHashKVMethod());
    add(r, "/v3/maintenance/snapshot", MaintenanceGrpc.getSnapshotMethod());
    add(r, "/v3/maintenance/transfer-leadership", MaintenanceGrpc.getMoveLeaderMethod());
    add(r, "/v3/maintenance/downgrade", MaintenanceGrpc.getDowngradeMethod());

    add(r, "/v3/auth/enable", AuthGrpc.getAuthEnableMethod());
    add(r, "/v3/auth/disable", AuthGrpc.getAuthDisableMethod());
    add(r, "/v3/auth/status", AuthGrpc.getAuthStatusMethod());
    add(r, "/v3/auth/authenticate", AuthGrpc.getAuthenticateMethod());
    add(r, "/v3/auth/user/add", AuthGrpc.getUserAddMethod());
    add(r, "/v3/auth/user/get", AuthGrpc.getUserGetMethod());
    add(r, "/v3/auth/user/list", AuthGrpc.getUserListMethod());
    add(r, "/v3/auth/user/delete", AuthGrpc.getUserDeleteMethod());
    add(r, "/v3/auth/user/changepw", AuthGrpc.getUserChangePasswordMethod());
    add(r, "/v3/auth/user/grant", AuthGrpc.getUserGrantRoleMethod());
    add(r, "/v3/auth/user/revoke", AuthGrpc.getUserRevokeRoleMethod());
    add(r, "/v3/auth/role/add", AuthGrpc.getRoleAddMethod());
    add(r, "/v3/auth/role/get", AuthGrpc.getRoleGetMethod());
    add(r, "/v3/auth/role/list", AuthGrpc.getRoleListMethod());
    add(r, "/v3/auth/role/delete", AuthGrpc.getRoleDeleteMethod());
    add(r, "/v3/auth/role/grant", AuthGrpc.getRoleGrantPermissionMethod());
    add(r, "/v3/auth/role/revoke", AuthGrpc.getRoleRevokePermissionMethod());

    add(r, "/v3/lock/lock", LockGrpc.getLockMethod());
    add(r, "/v3/lock/unlock", LockGrpc.getUnlockMethod());

    add(r, "/v3/election/campaign", ElectionGrpc.getCampaignMethod());
    add(r, "/v3/election/proclaim", ElectionGrpc.getProclaimMethod());
    add(r, "/v3/election/leader", ElectionGrpc.getLeaderMethod());
    add(r, "/v3/election/observe", ElectionGrpc.getObserveMethod());
    add(r, "/v3/election/resign", ElectionGrpc.getResignMethod());
    return new RouteTable(r);
  }

  /** Maps an HTTP path to a gateway path: /v3beta/ is rewritten to /v3/ as etcd's accessController does. */
  static String canonicalPath(String path) {
    return path.startsWith("/v3beta/") ? "/v3/" + path.substring("/v3beta/".length()) : path;
  }

  @SuppressWarnings("unchecked")
  private static void add(Map<String, Route> routes, String path, MethodDescriptor<?, ?> method) {
    // generated stubs use ProtoUtils marshallers, which expose the request's default instance
    Message prototype =
        (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller())
            .getMessagePrototype();
    routes.put(path, new Route(path, (MethodDescriptor<Message, Message>) method, prototype));
  }
}
