package io.cairn.server.auth;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.util.Set;

/**
 * Root-only RPCs, refused before they start, as etcd's authMaintenanceServer and checkMembershipOperationPermission
 * refuse them (etcd 3.6: every Maintenance call, and every Cluster call including MemberList). Runs inside
 * {@link AuthInterceptor}, so the call's credentials are in its Context.
 */
public final class AdminGate implements ServerInterceptor {
  private static final Set<String> ROOT_ONLY = Set.of(
      "etcdserverpb.Maintenance/Alarm", "etcdserverpb.Maintenance/Status", "etcdserverpb.Maintenance/Defragment",
      "etcdserverpb.Maintenance/Hash", "etcdserverpb.Maintenance/HashKV", "etcdserverpb.Maintenance/Snapshot",
      "etcdserverpb.Maintenance/MoveLeader", "etcdserverpb.Maintenance/Downgrade",
      "etcdserverpb.Cluster/MemberAdd", "etcdserverpb.Cluster/MemberRemove", "etcdserverpb.Cluster/MemberUpdate",
      "etcdserverpb.Cluster/MemberList", "etcdserverpb.Cluster/MemberPromote");

  private final AuthStore auth;

  public AdminGate(AuthStore auth) {
    this.auth = auth;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (auth.enabled() && ROOT_ONLY.contains(call.getMethodDescriptor().getFullMethodName())) {
      try {
        auth.checkAdmin(auth.caller());
      } catch (StatusRuntimeException e) {
        call.close(e.getStatus(), new Metadata());
        return new ServerCall.Listener<>() { };
      }
    }
    return next.startCall(call, headers);
  }
}
