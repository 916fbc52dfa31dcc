package io.cairn.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.cairn.proto.authpb.AuthProto;
import io.cairn.proto.etcdserverpb.AuthGrpc;
import io.cairn.proto.etcdserverpb.ClusterGrpc;
import io.cairn.proto.etcdserverpb.Compare;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.LeaseGrpc;
import io.cairn.proto.etcdserverpb.MaintenanceGrpc;
import io.cairn.proto.etcdserverpb.RpcProto;
import io.cairn.proto.etcdserverpb.WatchGrpc;
import io.cairn.proto.etcdserverpb.WatchResponse;
import io.cairn.proto.mvccpb.Event;
import io.cairn.proto.mvccpb.KvProto;
import io.cairn.proto.v3electionpb.ElectionGrpc;
import io.cairn.proto.v3electionpb.V3ElectionProto;
import io.cairn.proto.v3lockpb.LockGrpc;
import io.cairn.proto.v3lockpb.V3LockProto;
import io.grpc.MethodDescriptor.MethodType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Pins the etcd v3 wire contract. The table below is the single source of truth inside the
 * build: every message, field (name, number, type, label, oneof), enum value and RPC of our five
 * etcd packages must appear in it, and nothing else may exist in the generated descriptors.
 * Drift in either direction fails the build.
 *
 * <p>Table syntax, one entity per line:
 *
 * <ul>
 *   <li>{@code message <full.Name> <field>=<number>:<type>[[]][@<oneof>] ...} where type is a
 *       protobuf scalar keyword or a fully qualified message/enum name, {@code []} marks a
 *       repeated field and {@code @x} membership of oneof {@code x};
 *   <li>{@code enum <full.Name> <VALUE>=<number> ...};
 *   <li>{@code rpc <pkg.Service>/<Method> <request> -> <response> <unary|server|client|bidi>}
 *       (streaming kind as seen from the client: {@code server} = server streaming).
 * </ul>
 */
class ProtoContractTest {

  private static final String CONTRACT = """
      # ---------------------------------------------------------------- mvccpb
      message mvccpb.KeyValue key=1:bytes create_revision=2:int64 mod_revision=3:int64 version=4:int64 value=5:bytes lease=6:int64
      message mvccpb.Event type=1:mvccpb.Event.EventType kv=2:mvccpb.KeyValue prev_kv=3:mvccpb.KeyValue
      enum mvccpb.Event.EventType PUT=0 DELETE=1

      # ---------------------------------------------------------------- authpb
      message authpb.UserAddOptions no_password=1:bool
      message authpb.User name=1:bytes password=2:bytes roles=3:string[] options=4:authpb.UserAddOptions
      message authpb.Permission permType=1:authpb.Permission.Type key=2:bytes range_end=3:bytes
      enum authpb.Permission.Type READ=0 WRITE=1 READWRITE=2
      message authpb.Role name=1:bytes keyPermission=2:authpb.Permission[]

      # ---------------------------------------------------------------- etcdserverpb: common + KV
      message etcdserverpb.ResponseHeader cluster_id=1:uint64 member_id=2:uint64 revision=3:int64 raft_term=4:uint64
      message etcdserverpb.RangeRequest key=1:bytes range_end=2:bytes limit=3:int64 revision=4:int64 sort_order=5:etcdserverpb.RangeRequest.SortOrder sort_target=6:etcdserverpb.RangeRequest.SortTarget serializable=7:bool keys_only=8:bool count_only=9:bool min_mod_revision=10:int64 max_mod_revision=11:int64 min_create_revision=12:int64 max_create_revision=13:int64
      enum etcdserverpb.RangeRequest.SortOrder NONE=0 ASCEND=1 DESCEND=2
      enum etcdserverpb.RangeRequest.SortTarget KEY=0 VERSION=1 CREATE=2 MOD=3 VALUE=4
      message etcdserverpb.RangeResponse header=1:etcdserverpb.ResponseHeader kvs=2:mvccpb.KeyValue[] more=3:bool count=4:int64
      message etcdserverpb.RangeStreamResponse range_response=1:etcdserverpb.RangeResponse
      message etcdserverpb.PutRequest key=1:bytes value=2:bytes lease=3:int64 prev_kv=4:bool ignore_value=5:bool ignore_lease=6:bool
      message etcdserverpb.PutResponse header=1:etcdserverpb.ResponseHeader prev_kv=2:mvccpb.KeyValue
      message etcdserverpb.DeleteRangeRequest key=1:bytes range_end=2:bytes prev_kv=3:bool
      message etcdserverpb.DeleteRangeResponse header=1:etcdserverpb.ResponseHeader deleted=2:int64 prev_kvs=3:mvccpb.KeyValue[]
      message etcdserverpb.RequestOp request_range=1:etcdserverpb.RangeRequest@request request_put=2:etcdserverpb.PutRequest@request request_delete_range=3:etcdserverpb.DeleteRangeRequest@request request_txn=4:etcdserverpb.TxnRequest@request
      message etcdserverpb.ResponseOp response_range=1:etcdserverpb.RangeResponse@response response_put=2:etcdserverpb.PutResponse@response response_delete_range=3:etcdserverpb.DeleteRangeResponse@response response_txn=4:etcdserverpb.TxnResponse@response
      message etcdserverpb.Compare result=1:etcdserverpb.Compare.CompareResult target=2:etcdserverpb.Compare.CompareTarget key=3:bytes version=4:int64@target_union create_revision=5:int64@target_union mod_revision=6:int64@target_union value=7:bytes@target_union lease=8:int64@target_union range_end=64:bytes
      enum etcdserverpb.Compare.CompareResult EQUAL=0 GREATER=1 LESS=2 NOT_EQUAL=3
      enum etcdserverpb.Compare.CompareTarget VERSION=0 CREATE=1 MOD=2 VALUE=3 LEASE=4
      message etcdserverpb.TxnRequest compare=1:etcdserverpb.Compare[] success=2:etcdserverpb.RequestOp[] failure=3:etcdserverpb.RequestOp[]
      message etcdserverpb.TxnResponse header=1:etcdserverpb.ResponseHeader succeeded=2:bool responses=3:etcdserverpb.ResponseOp[]
      message etcdserverpb.CompactionRequest revision=1:int64 physical=2:bool
      message etcdserverpb.CompactionResponse header=1:etcdserverpb.ResponseHeader

      # ---------------------------------------------------------------- etcdserverpb: Watch
      message etcdserverpb.WatchRequest create_request=1:etcdserverpb.WatchCreateRequest@request_union cancel_request=2:etcdserverpb.WatchCancelRequest@request_union progress_request=3:etcdserverpb.WatchProgressRequest@request_union
      message etcdserverpb.WatchCreateRequest key=1:bytes range_end=2:bytes start_revision=3:int64 progress_notify=4:bool filters=5:etcdserverpb.WatchCreateRequest.FilterType[] prev_kv=6:bool watch_id=7:int64 fragment=8:bool
      enum etcdserverpb.WatchCreateRequest.FilterType NOPUT=0 NODELETE=1
      message etcdserverpb.WatchCancelRequest watch_id=1:int64
      message etcdserverpb.WatchProgressRequest
      message etcdserverpb.WatchResponse header=1:etcdserverpb.ResponseHeader watch_id=2:int64 created=3:bool canceled=4:bool compact_revision=5:int64 cancel_reason=6:string fragment=7:bool events=11:mvccpb.Event[]

      # ---------------------------------------------------------------- etcdserverpb: Lease
      message etcdserverpb.LeaseGrantRequest TTL=1:int64 ID=2:int64
      message etcdserverpb.LeaseGrantResponse header=1:etcdserverpb.ResponseHeader ID=2:int64 TTL=3:int64 error=4:string
      message etcdserverpb.LeaseRevokeRequest ID=1:int64
      message etcdserverpb.LeaseRevokeResponse header=1:etcdserverpb.ResponseHeader
      message etcdserverpb.LeaseCheckpoint ID=1:int64 remaining_TTL=2:int64
      message etcdserverpb.LeaseCheckpointRequest checkpoints=1:etcdserverpb.LeaseCheckpoint[]
      message etcdserverpb.LeaseCheckpointResponse header=1:etcdserverpb.ResponseHeader
      message etcdserverpb.LeaseKeepAliveRequest ID=1:int64
      message etcdserverpb.LeaseKeepAliveResponse header=1:etcdserverpb.ResponseHeader ID=2:int64 TTL=3:int64
      message etcdserverpb.LeaseTimeToLiveRequest ID=1:int64 keys=2:bool
      message etcdserverpb.LeaseTimeToLiveResponse header=1:etcdserverpb.ResponseHeader ID=2:int64 TTL=3:int64 grantedTTL=4:int64 keys=5:bytes[]
      message etcdserverpb.LeaseLeasesRequest
      message etcdserverpb.LeaseStatus ID=1:int64
      message etcdserverpb.LeaseLeasesResponse header=1:etcdserverpb.ResponseHeader leases=2:etcdserverpb.LeaseStatus[]

      # ---------------------------------------------------------------- etcdserverpb: Cluster
      message etcdserverpb.Member ID=1:uint64 name=2:string peerURLs=3:string[] clientURLs=4:string[] isLearner=5:bool
      message etcdserverpb.MemberAddRequest peerURLs=1:string[] isLearner=2:bool
      message etcdserverpb.MemberAddResponse header=1:etcdserverpb.ResponseHeader member=2:etcdserverpb.Member members=3:etcdserverpb.Member[]
      message etcdserverpb.MemberRemoveRequest ID=1:uint64
      message etcdserverpb.MemberRemoveResponse header=1:etcdserverpb.ResponseHeader members=2:etcdserverpb.Member[]
      message etcdserverpb.MemberUpdateRequest ID=1:uint64 peerURLs=2:string[]
      message etcdserverpb.MemberUpdateResponse header=1:etcdserverpb.ResponseHeader members=2:etcdserverpb.Member[]
      message etcdserverpb.MemberListRequest linearizable=1:bool
      message etcdserverpb.MemberListResponse header=1:etcdserverpb.ResponseHeader members=2:etcdserverpb.Member[]
      message etcdserverpb.MemberPromoteRequest ID=1:uint64
      message etcdserverpb.MemberPromoteResponse header=1:etcdserverpb.ResponseHeader members=2:etcdserverpb.Member[]

      # ---------------------------------------------------------------- etcdserverpb: Maintenance
      enum etcdserverpb.AlarmType NONE=0 NOSPACE=1 CORRUPT=2
      message etcdserverpb.AlarmRequest action=1:etcdserverpb.AlarmRequest.AlarmAction memberID=2:uint64 alarm=3:etcdserverpb.AlarmType
      enum etcdserverpb.AlarmRequest.AlarmAction GET=0 ACTIVATE=1 DEACTIVATE=2
      message etcdserverpb.AlarmMember memberID=1:uint64 alarm=2:etcdserverpb.AlarmType
      message etcdserverpb.AlarmResponse header=1:etcdserverpb.ResponseHeader alarms=2:etcdserverpb.AlarmMember[]
      message etcdserverpb.StatusRequest
      message etcdserverpb.StatusResponse header=1:etcdserverpb.ResponseHeader version=2:string dbSize=3:int64 leader=4:uint64 raftIndex=5:uint64 raftTerm=6:uint64 raftAppliedIndex=7:uint64 errors=8:string[] dbSizeInUse=9:int64 isLearner=10:bool storageVersion=11:string dbSizeQuota=12:int64 downgradeInfo=13:etcdserverpb.DowngradeInfo
      message etcdserverpb.DowngradeInfo enabled=1:bool targetVersion=2:string
      message etcdserverpb.DefragmentRequest
      message etcdserverpb.DefragmentResponse header=1:etcdserverpb.ResponseHeader
      message etcdserverpb.HashRequest
      message etcdserverpb.HashResponse header=1:etcdserverpb.ResponseHeader hash=2:uint32
      message etcdserverpb.HashKVRequest revision=1:int64
      message etcdserverpb.HashKVResponse header=1:etcdserverpb.ResponseHeader hash=2:uint32 compact_revision=3:int64 hash_revision=4:int64
      message etcdserverpb.SnapshotRequest
      message etcdserverpb.SnapshotResponse header=1:etcdserverpb.ResponseHeader remaining_bytes=2:uint64 blob=3:bytes version=4:string
      message etcdserverpb.MoveLeaderRequest targetID=1:uint64
      message etcdserverpb.MoveLeaderResponse header=1:etcdserverpb.ResponseHeader
      message etcdserverpb.DowngradeRequest action=1:etcdserverpb.DowngradeRequest.DowngradeAction version=2:string
      enum etcdserverpb.DowngradeRequest.DowngradeAction VALIDATE=0 ENABLE=1 CANCEL=2
      message etcdserverpb.DowngradeResponse header=1:etcdserverpb.ResponseHeader version=2:string

      # ---------------------------------------------------------------- etcdserverpb: Auth
      message etcdserverpb.AuthEnableRequest
      message etcdserverpb.AuthEnableResponse header=1:etcdserverpb.ResponseHeader
      message etcdserverpb.AuthDisableRequest
      message etcdserverpb.AuthDisableResponse header=1:etcdserverpb.ResponseHeader
      message etcdserverpb.AuthStatusRequest
      message etcdserverpb.AuthStatusResponse header=1:etcdserverpb.ResponseHeader enabled=2:bool authRevision=3:uint64
      message etcdserverpb.AuthenticateRequest name=1:string password=2:string
      message etcdserverpb.AuthenticateResponse header=1:etcdserverpb.ResponseHeader token=2:string
      message etcdserverpb.AuthUserAddRequest name=1:string password=2:string options=3:authpb.UserAddOptions hashedPassword=4:string
      message etcdserverpb.AuthUserAddResponse header=1:etcdserverpb.ResponseHeader
      message etcdserverpb.AuthUserGetRequest name=1:string
      message etcdserverpb.AuthUserGetResponse header=1:etcdserverpb.ResponseHeader roles=2:string[]
      message etcdserverpb.AuthUserListRequest
      message etcdserverpb.AuthUserListResponse header=1:etcdserverpb.ResponseHeader users=2:string[]
      message etcdserverpb.AuthUserDeleteRequest name=1:string
      message etcdserverpb.AuthUserDeleteResponse header=1:etcdserverpb.ResponseHeader
      message etcdserverpb.AuthUserChangePasswordRequest name=1:string password=2:string hashedPassword=3:string
      message etcdserverpb.AuthUserChangePasswordResponse header=1:etcdserverpb.ResponseHeader
      message etcdserverpb.AuthUserGrantRoleRequest user=1:string role=2:string
      message etcdserverpb.AuthUserGrantRoleResponse header=1:etcdserverpb.ResponseHeader
      message etcdserverpb.AuthUserRevokeRoleRequest name=1:string role=2:string
      message etcdserverpb.AuthUserRevokeRoleResponse header=1:etcdserverpb.ResponseHeader
      message etcdserverpb.AuthRoleAddRequest name=1:string
      message etcdserverpb.AuthRoleAddResponse header=1:etcdserverpb.ResponseHeader
      message etcdserverpb.AuthRoleGetRequest role=1:string
      message etcdserverpb.AuthRoleGetResponse header=1:etcdserverpb.ResponseHeader perm=2:authpb.Permission[]
      message etcdserverpb.AuthRoleListRequest
      message etcdserverpb.AuthRoleListResponse header=1:etcdserverpb.ResponseHeader roles=2:string[]
      message etcdserverpb.AuthRoleDeleteRequest role=1:string
      message etcdserverpb.AuthRoleDeleteResponse header=1:etcdserverpb.ResponseHeader
      message etcdserverpb.AuthRoleGrantPermissionRequest name=1:string perm=2:authpb.Permission
      message etcdserverpb.AuthRoleGrantPermissionResponse header=1:etcdserverpb.ResponseHeader
      message etcdserverpb.AuthRoleRevokePermissionRequest role=1:string key=2:bytes range_end=3:bytes
      message etcdserverpb.AuthRoleRevokePermissionResponse header=1:etcdserverpb.ResponseHeader

      # ---------------------------------------------------------------- v3lockpb
      message v3lockpb.LockRequest name=1:bytes lease=2:int64
      message v3lockpb.LockResponse header=1:etcdserverpb.ResponseHeader key=2:bytes
      message v3lockpb.UnlockRequest key=1:bytes
      message v3lockpb.UnlockResponse header=1:etcdserverpb.ResponseHeader

      # ---------------------------------------------------------------- v3electionpb
      message v3electionpb.CampaignRequest name=1:bytes lease=2:int64 value=3:bytes
      message v3electionpb.CampaignResponse header=1:etcdserverpb.ResponseHeader leader=2:v3electionpb.LeaderKey
      message v3electionpb.LeaderKey name=1:bytes key=2:bytes rev=3:int64 lease=4:int64
      message v3electionpb.LeaderRequest name=1:bytes
      message v3electionpb.LeaderResponse header=1:etcdserverpb.ResponseHeader kv=2:mvccpb.KeyValue
      message v3electionpb.ResignRequest leader=1:v3electionpb.LeaderKey
      message v3electionpb.ResignResponse header=1:etcdserverpb.ResponseHeader
      message v3electionpb.ProclaimRequest leader=1:v3electionpb.LeaderKey value=2:bytes
      message v3electionpb.ProclaimResponse header=1:etcdserverpb.ResponseHeader

      # ---------------------------------------------------------------- services
      rpc etcdserverpb.KV/Range etcdserverpb.RangeRequest -> etcdserverpb.RangeResponse unary
      rpc etcdserverpb.KV/RangeStream etcdserverpb.RangeRequest -> etcdserverpb.RangeStreamResponse server
      rpc etcdserverpb.KV/Put etcdserverpb.PutRequest -> etcdserverpb.PutResponse unary
      rpc etcdserverpb.KV/DeleteRange etcdserverpb.DeleteRangeRequest -> etcdserverpb.DeleteRangeResponse unary
      rpc etcdserverpb.KV/Txn etcdserverpb.TxnRequest -> etcdserverpb.TxnResponse unary
      rpc etcdserverpb.KV/Compact etcdserverpb.CompactionRequest -> etcdserverpb.CompactionResponse unary

      rpc etcdserverpb.Watch/Watch etcdserverpb.WatchRequest -> etcdserverpb.WatchResponse bidi

      rpc etcdserverpb.Lease/LeaseGrant etcdserverpb.LeaseGrantRequest -> etcdserverpb.LeaseGrantResponse unary
      rpc etcdserverpb.Lease/LeaseRevoke etcdserverpb.LeaseRevokeRequest -> etcdserverpb.LeaseRevokeResponse unary
      rpc etcdserverpb.Lease/LeaseKeepAlive etcdserverpb.LeaseKeepAliveRequest -> etcdserverpb.LeaseKeepAliveResponse bidi
      rpc etcdserverpb.Lease/LeaseTimeToLive etcdserverpb.LeaseTimeToLiveRequest -> etcdserverpb.LeaseTimeToLiveResponse unary
      rpc etcdserverpb.Lease/LeaseLeases etcdserverpb.LeaseLeasesRequest -> etcdserverpb.LeaseLeasesResponse unary

      rpc etcdserverpb.Cluster/MemberAdd etcdserverpb.MemberAddRequest -> etcdserverpb.MemberAddResponse unary
      rpc etcdserverpb.Cluster/MemberRemove etcdserverpb.MemberRemoveRequest -> etcdserverpb.MemberRemoveResponse unary
      rpc etcdserverpb.Cluster/MemberUpdate etcdserverpb.MemberUpdateRequest -> etcdserverpb.MemberUpdateResponse unary
      rpc etcdserverpb.Cluster/MemberList etcdserverpb.MemberListRequest -> etcdserverpb.MemberListResponse unary
      rpc etcdserverpb.Cluster/MemberPromote etcdserverpb.MemberPromoteRequest -> etcdserverpb.MemberPromoteResponse unary

      rpc etcdserverpb.Maintenance/Alarm etcdserverpb.AlarmRequest -> etcdserverpb.AlarmResponse unary
      rpc etcdserverpb.Maintenance/Status etcdserverpb.StatusRequest -> etcdserverpb.StatusResponse unary
      rpc etcdserverpb.Maintenance/Defragment etcdserverpb.DefragmentRequest -> etcdserverpb.DefragmentResponse unary
      rpc etcdserverpb.Maintenance/Hash etcdserverpb.HashRequest -> etcdserverpb.HashResponse unary
      rpc etcdserverpb.Maintenance/HashKV etcdserverpb.HashKVRequest -> etcdserverpb.HashKVResponse unary
      rpc etcdserverpb.Maintenance/Snapshot etcdserverpb.SnapshotRequest -> etcdserverpb.SnapshotResponse server
      rpc etcdserverpb.Maintenance/MoveLeader etcdserverpb.MoveLeaderRequest -> etcdserverpb.MoveLeaderResponse unary
      rpc etcdserverpb.Maintenance/Downgrade etcdserverpb.DowngradeRequest -> etcdserverpb.DowngradeResponse unary

      rpc etcdserverpb.Auth/AuthEnable etcdserverpb.AuthEnableRequest -> etcdserverpb.AuthEnableResponse unary
      rpc etcdserverpb.Auth/AuthDisable etcdserverpb.AuthDisableRequest -> etcdserverpb.AuthDisableResponse unary
      rpc etcdserverpb.Auth/AuthStatus etcdserverpb.AuthStatusRequest -> etcdserverpb.AuthStatusResponse unary
      rpc etcdserverpb.Auth/Authenticate etcdserverpb.AuthenticateRequest -> etcdserverpb.AuthenticateResponse unary
      rpc etcdserverpb.Auth/UserAdd etcdserverpb.AuthUserAddRequest -> etcdserverpb.AuthUserAddResponse unary
      rpc etcdserverpb.Auth/UserGet etcdserverpb.AuthUserGetRequest -> etcdserverpb.AuthUserGetResponse unary
      rpc etcdserverpb.Auth/UserList etcdserverpb.AuthUserListRequest -> etcdserverpb.AuthUserListResponse unary
      rpc etcdserverpb.Auth/UserDelete etcdserverpb.AuthUserDeleteRequest -> etcdserverpb.AuthUserDeleteResponse unary
      rpc etcdserverpb.Auth/UserChangePassword etcdserverpb.AuthUserChangePasswordRequest -> etcdserverpb.AuthUserChangePasswordResponse unary
      rpc etcdserverpb.Auth/UserGrantRole etcdserverpb.AuthUserGrantRoleRequest -> etcdserverpb.AuthUserGrantRoleResponse unary
      rpc etcdserverpb.Auth/UserRevokeRole etcdserverpb.AuthUserRevokeRoleRequest -> etcdserverpb.AuthUserRevokeRoleResponse unary
      rpc etcdserverpb.Auth/RoleAdd etcdserverpb.AuthRoleAddRequest -> etcdserverpb.AuthRoleAddResponse unary
      rpc etcdserverpb.Auth/RoleGet etcdserverpb.AuthRoleGetRequest -> etcdserverpb.AuthRoleGetResponse unary
      rpc etcdserverpb.Auth/RoleList etcdserverpb.AuthRoleListRequest -> etcdserverpb.AuthRoleListResponse unary
      rpc etcdserverpb.Auth/RoleDelete etcdserverpb.AuthRoleDeleteRequest -> etcdserverpb.AuthRoleDeleteResponse unary
      rpc etcdserverpb.Auth/RoleGrantPermission etcdserverpb.AuthRoleGrantPermissionRequest -> etcdserverpb.AuthRoleGrantPermissionResponse unary
      rpc etcdserverpb.Auth/RoleRevokePermission etcdserverpb.AuthRoleRevokePermissionRequest -> etcdserverpb.AuthRoleRevokePermissionResponse unary

      rpc v3lockpb.Lock/Lock v3lockpb.LockRequest -> v3lockpb.LockResponse unary
      rpc v3lockpb.Lock/Unlock v3lockpb.UnlockRequest -> v3lockpb.UnlockResponse unary

      rpc v3electionpb.Election/Campaign v3electionpb.CampaignRequest -> v3electionpb.CampaignResponse unary
      rpc v3electionpb.Election/Proclaim v3electionpb.ProclaimRequest -> v3electionpb.ProclaimResponse unary
      rpc v3electionpb.Election/Leader v3electionpb.LeaderRequest -> v3electionpb.LeaderResponse unary
      rpc v3electionpb.Election/Observe v3electionpb.LeaderRequest -> v3electionpb.LeaderResponse server
      rpc v3electionpb.Election/Resign v3electionpb.ResignRequest -> v3electionpb.ResignResponse unary
      """;

  /** The five contract files; the proto source folder may hold others (e.g. cairn/raftpb). */
  private static final List<FileDescriptor> FILES =
      List.of(
          KvProto.getDescriptor(),
          AuthProto.getDescriptor(),
          RpcProto.getDescriptor(),
          V3LockProto.getDescriptor(),
          V3ElectionProto.getDescriptor());

  private static final Map<String, io.grpc.ServiceDescriptor> GRPC_SERVICES =
      List.of(
              KVGrpc.getServiceDescriptor(),
              WatchGrpc.getServiceDescriptor(),
              LeaseGrpc.getServiceDescriptor(),
              ClusterGrpc.getServiceDescriptor(),
              MaintenanceGrpc.getServiceDescriptor(),
              AuthGrpc.getServiceDescriptor(),
              LockGrpc.getServiceDescriptor(),
              ElectionGrpc.getServiceDescriptor())
          .stream()
          .collect(
              Collectors.toMap(
                  io.grpc.ServiceDescriptor::getName, s -> s, (a, b) -> a, TreeMap::new));

  // ------------------------------------------------------------------ table parsing

  /** Table lines of the given kind ("message", "enum", "rpc"), keyed by entity name. */
  private static Map<String, String> expected(String kind) {
    Map<String, String> out = new TreeMap<>();
    for (String raw : CONTRACT.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] tok = line.split("\\s+");
      if (!tok[0].equals(kind)) {
        continue;
      }
      String name = tok[1];
      String canonical;
      if (kind.equals("rpc")) {
        canonical = String.join(" ", Arrays.copyOfRange(tok, 2, tok.length));
      } else {
        // order members by number so that table order is irrelevant
        canonical =
            Arrays.stream(tok, 2, tok.length)
                .sorted(Comparator.comparingInt(ProtoContractTest::memberNumber))
                .collect(Collectors.joining(" "));
      }
      String previous = out.put(name, canonical);
      assertThat(previous).as("duplicate table entry for %s %s", kind, name).isNull();
    }
    return out;
  }

  private static int memberNumber(String token) {
    String afterEq = token.substring(token.indexOf('=') + 1);
    int colon = afterEq.indexOf(':');
    return Integer.parseInt(colon < 0 ? afterEq : afterEq.substring(0, colon));
  }

  // ------------------------------------------------------------------ descriptor rendering

  private static Map<String, String> actualMessages() {
    Map<String, String> out = new TreeMap<>();
    for (FileDescriptor file : FILES) {
      for (Descriptor d : file.getMessageTypes()) {
        collectMessages(d, out);
      }
    }
    return out;
  }

  private static void collectMessages(Descriptor d, Map<String, String> out) {
    out.put(
        d.getFullName(),
        d.getFields().stream()
            .sorted(Comparator.comparingInt(FieldDescriptor::getNumber))
            .map(ProtoContractTest::render)
            .collect(Collectors.joining(" ")));
    for (Descriptor nested : d.getNestedTypes()) {
      collectMessages(nested, out);
    }
  }

  private static String render(FieldDescriptor f) {
    StringBuilder sb = new StringBuilder();
    sb.append(f.getName()).append('=').append(f.getNumber()).append(':');
    switch (f.getJavaType()) {
      case MESSAGE -> sb.append(f.getMessageType().getFullName());
      case ENUM -> sb.append(f.getEnumType().getFullName());
      default -> sb.append(f.getType().name().toLowerCase());
    }
    if (f.isRepeated()) {
      sb.append("[]");
    }
    if (f.getRealContainingOneof() != null) {
      sb.append('@').append(f.getRealContainingOneof().getName());
    }
    if (f.toProto().getProto3Optional()) {
      sb.append("!proto3-optional"); // never in the table: etcd uses no proto3 optional fields
    }
    return sb.toString();
  }

  private static Map<String, String> actualEnums() {
    List<EnumDescriptor> enums = new ArrayList<>();
    for (FileDescriptor file : FILES) {
      enums.addAll(file.getEnumTypes());
      for (Descriptor d : file.getMessageTypes()) {
        collectEnums(d, enums);
      }
    }
    Map<String, String> out = new TreeMap<>();
    for (EnumDescriptor e : enums) {
      out.put(
          e.getFullName(),
          e.getValues().stream()
              .sorted(Comparator.comparingInt(EnumValueDescriptor::getNumber))
              .map(v -> v.getName() + "=" + v.getNumber())
              .collect(Collectors.joining(" ")));
    }
    return out;
  }

  private static void collectEnums(Descriptor d, List<EnumDescriptor> out) {
    out.addAll(d.getEnumTypes());
    for (Descriptor nested : d.getNestedTypes()) {
      collectEnums(nested, out);
    }
  }

  private static Map<String, String> actualRpcs() {
    Map<String, String> out = new TreeMap<>();
    for (FileDescriptor file : FILES) {
      for (ServiceDescriptor s : file.getServices()) {
        for (MethodDescriptor m : s.getMethods()) {
          String kind =
              m.isClientStreaming()
                  ? (m.isServerStreaming() ? "bidi" : "client")
                  : (m.isServerStreaming() ? "server" : "unary");
          out.put(
              s.getFullName() + "/" + m.getName(),
              m.getInputType().getFullName()
                  + " -> "
                  + m.getOutputType().getFullName()
                  + " "
                  + kind);
        }
      }
    }
    return out;
  }

  private static List<String> diff(Map<String, String> expected, Map<String, String> actual) {
    List<String> problems = new ArrayList<>();
    TreeSet<String> names = new TreeSet<>(expected.keySet());
    names.addAll(actual.keySet());
    for (String name : names) {
      String e = expected.get(name);
      String a = actual.get(name);
      if (e == null) {
        problems.add("not in table:    " + name + " " + a);
      } else if (a == null) {
        problems.add("not generated:   " + name + " " + e);
      } else if (!e.equals(a)) {
        problems.add("mismatch:        " + name + "\n   table: " + e + "\n  protoc: " + a);
      }
    }
    return problems;
  }

  // ------------------------------------------------------------------ tests

  @Test
  void everyMessageAndFieldMatchesTheTable() {
    assertThat(diff(expected("message"), actualMessages())).isEmpty();
  }

  @Test
  void everyEnumValueMatchesTheTable() {
    assertThat(diff(expected("enum"), actualEnums())).isEmpty();
  }

  @Test
  void everyRpcMatchesTheTable() {
    assertThat(diff(expected("rpc"), actualRpcs())).isEmpty();
  }

  @Test
  void tableIsNotAccidentallyEmpty() {
    // guards against a parsing bug turning the whole comparison into empty == empty
    assertThat(expected("message")).hasSize(116);
    assertThat(expected("enum")).hasSize(10);
    assertThat(expected("rpc")).hasSize(49);
  }

  @Test
  void generatedGrpcStubsExposeExactlyTheTableMethods() {
    Map<String, String> expectedTypes = new TreeMap<>();
    expected("rpc")
        .forEach(
            (name, spec) -> {
              String kind = spec.substring(spec.lastIndexOf(' ') + 1);
              expectedTypes.put(
                  name,
                  switch (kind) {
                    case "unary" -> MethodType.UNARY.name();
                    case "server" -> MethodType.SERVER_STREAMING.name();
                    case "client" -> MethodType.CLIENT_STREAMING.name();
                    case "bidi" -> MethodType.BIDI_STREAMING.name();
                    default -> throw new IllegalArgumentException(kind);
                  });
            });
    Map<String, String> actualTypes = new TreeMap<>();
    for (io.grpc.ServiceDescriptor s : GRPC_SERVICES.values()) {
      for (io.grpc.MethodDescriptor<?, ?> m : s.getMethods()) {
        actualTypes.put(m.getFullMethodName(), m.getType().name());
      }
    }
    assertThat(diff(expectedTypes, actualTypes)).isEmpty();
    // every service in the descriptors has a generated stub class listed above
    assertThat(GRPC_SERVICES.keySet())
        .containsExactlyInAnyOrderElementsOf(
            FILES.stream()
                .flatMap(f -> f.getServices().stream())
                .map(ServiceDescriptor::getFullName)
                .toList());
  }

  @Test
  void grpcFullMethodNamesAreEtcds() {
    assertThat(KVGrpc.getRangeMethod().getFullMethodName()).isEqualTo("etcdserverpb.KV/Range");
    assertThat(KVGrpc.getCompactMethod().getFullMethodName()).isEqualTo("etcdserverpb.KV/Compact");
    assertThat(KVGrpc.getRangeStreamMethod().getFullMethodName()).isEqualTo("etcdserverpb.KV/RangeStream");
    assertThat(KVGrpc.getRangeStreamMethod().getType()).isEqualTo(MethodType.SERVER_STREAMING);
    assertThat(WatchGrpc.getWatchMethod().getFullMethodName())
        .isEqualTo("etcdserverpb.Watch/Watch");
    assertThat(LeaseGrpc.getLeaseKeepAliveMethod().getFullMethodName())
        .isEqualTo("etcdserverpb.Lease/LeaseKeepAlive");
    assertThat(ClusterGrpc.getMemberPromoteMethod().getFullMethodName())
        .isEqualTo("etcdserverpb.Cluster/MemberPromote");
    assertThat(MaintenanceGrpc.getSnapshotMethod().getFullMethodName())
        .isEqualTo("etcdserverpb.Maintenance/Snapshot");
    assertThat(MaintenanceGrpc.getSnapshotMethod().getType())
        .isEqualTo(MethodType.SERVER_STREAMING);
    assertThat(AuthGrpc.getUserGrantRoleMethod().getFullMethodName())
        .isEqualTo("etcdserverpb.Auth/UserGrantRole");
    assertThat(LockGrpc.getLockMethod().getFullMethodName()).isEqualTo("v3lockpb.Lock/Lock");
    assertThat(LockGrpc.getUnlockMethod().getFullMethodName()).isEqualTo("v3lockpb.Lock/Unlock");
    assertThat(ElectionGrpc.getObserveMethod().getFullMethodName())
        .isEqualTo("v3electionpb.Election/Observe");
    assertThat(ElectionGrpc.getObserveMethod().getType()).isEqualTo(MethodType.SERVER_STREAMING);
    assertThat(ElectionGrpc.getCampaignMethod().getFullMethodName())
        .isEqualTo("v3electionpb.Election/Campaign");
  }

  @Test
  void filesPackagesImportsAndJavaOptions() {
    Map<String, String> actual = new LinkedHashMap<>();
    for (FileDescriptor f : FILES) {
      actual.put(
          f.getName(),
          f.getPackage()
              + " "
              + f.getOptions().getJavaPackage()
              + " "
              + f.getOptions().getJavaMultipleFiles()
              + " "
              + f.toProto().getSyntax()
              + " "
              + f.getDependencies().stream().map(FileDescriptor::getName).toList());
    }
    assertThat(actual)
        .containsExactly(
            Map.entry(
                "etcd/api/mvccpb/kv.proto", "mvccpb io.cairn.proto.mvccpb true proto3 []"),
            Map.entry(
                "etcd/api/authpb/auth.proto", "authpb io.cairn.proto.authpb true proto3 []"),
            Map.entry(
                "etcd/api/etcdserverpb/rpc.proto",
                "etcdserverpb io.cairn.proto.etcdserverpb true proto3"
                    + " [etcd/api/mvccpb/kv.proto, etcd/api/authpb/auth.proto]"),
            Map.entry(
                "etcd/server/etcdserver/api/v3lock/v3lockpb/v3lock.proto",
                "v3lockpb io.cairn.proto.v3lockpb true proto3 [etcd/api/etcdserverpb/rpc.proto]"),
            Map.entry(
                "etcd/server/etcdserver/api/v3election/v3electionpb/v3election.proto",
                "v3electionpb io.cairn.proto.v3electionpb true proto3"
                    + " [etcd/api/etcdserverpb/rpc.proto, etcd/api/mvccpb/kv.proto]"));
  }

  @Test
  void jsonNamesFollowEtcdFieldNames() {
    // grpc-gateway / protojson use lowerCamelCase of the proto field name; etcd's odd
    // capitalisation (TTL, ID, grantedTTL, peerURLs) is therefore part of the JSON contract.
    Map<String, String> json = new TreeMap<>();
    for (String spec :
        List.of(
            "etcdserverpb.LeaseGrantRequest.TTL",
            "etcdserverpb.LeaseGrantRequest.ID",
            "etcdserverpb.LeaseTimeToLiveResponse.grantedTTL",
            "etcdserverpb.LeaseCheckpoint.remaining_TTL",
            "etcdserverpb.Member.peerURLs",
            "etcdserverpb.Member.clientURLs",
            "etcdserverpb.ResponseHeader.cluster_id",
            "etcdserverpb.ResponseHeader.raft_term",
            "etcdserverpb.SnapshotResponse.remaining_bytes",
            "etcdserverpb.RangeRequest.range_end",
            "etcdserverpb.MoveLeaderRequest.targetID",
            "mvccpb.KeyValue.create_revision")) {
      int dot = spec.lastIndexOf('.');
      Descriptor d = findMessage(spec.substring(0, dot));
      json.put(spec, d.findFieldByName(spec.substring(dot + 1)).getJsonName());
    }
    assertThat(json)
        .containsExactlyInAnyOrderEntriesOf(
            Map.ofEntries(
                Map.entry("etcdserverpb.LeaseGrantRequest.TTL", "TTL"),
                Map.entry("etcdserverpb.LeaseGrantRequest.ID", "ID"),
                Map.entry("etcdserverpb.LeaseTimeToLiveResponse.grantedTTL", "grantedTTL"),
                Map.entry("etcdserverpb.LeaseCheckpoint.remaining_TTL", "remainingTTL"),
                Map.entry("etcdserverpb.Member.peerURLs", "peerURLs"),
                Map.entry("etcdserverpb.Member.clientURLs", "clientURLs"),
                Map.entry("etcdserverpb.ResponseHeader.cluster_id", "clusterId"),
                Map.entry("etcdserverpb.ResponseHeader.raft_term", "raftTerm"),
                Map.entry("etcdserverpb.SnapshotResponse.remaining_bytes", "remainingBytes"),
                Map.entry("etcdserverpb.RangeRequest.range_end", "rangeEnd"),
                Map.entry("etcdserverpb.MoveLeaderRequest.targetID", "targetID"),
                Map.entry("mvccpb.KeyValue.create_revision", "createRevision")));
  }

  @Test
  void unusualFieldNumbersEncodeAsEtcdExpects() {
    // Compare.range_end is tag 64 (wire type 2): key varint 64<<3|2 = 514 = 0x82 0x04
    byte[] cmp = Compare.newBuilder().setRangeEnd(ByteString.copyFromUtf8("b")).build().toByteArray();
    assertThat(cmp).containsExactly(0x82, 0x04, 0x01, 'b');
    // WatchResponse.events is tag 11 (wire type 2): key = 11<<3|2 = 90 = 0x5a
    byte[] watch =
        WatchResponse.newBuilder().addEvents(Event.newBuilder().setTypeValue(1)).build().toByteArray();
    assertThat(watch).containsExactly(0x5a, 0x02, 0x08, 0x01);
  }

  private static Descriptor findMessage(String fullName) {
    for (FileDescriptor f : FILES) {
      String pkg = f.getPackage() + ".";
      if (fullName.startsWith(pkg)) {
        Descriptor d = f.findMessageTypeByName(fullName.substring(pkg.length()));
        if (d != null) {
          return d;
        }
      }
    }
    throw new IllegalArgumentException("no message " + fullName);
  }
}
