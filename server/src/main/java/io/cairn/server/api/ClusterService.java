package io.cairn.server.api;

import io.cairn.proto.etcdserverpb.ClusterGrpc;
import io.cairn.proto.etcdserverpb.MemberListRequest;
import io.cairn.proto.etcdserverpb.MemberListResponse;
import io.cairn.server.cluster.MemberInfo;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.function.Supplier;

/** Cluster: MemberList. Add/Remove/Update/Promote answer UNIMPLEMENTED until clustering exists. */
public final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private final Supplier<List<MemberInfo>> members;
  private final Headers headers;

  public ClusterService(Supplier<List<MemberInfo>> members, Headers headers) {
    this.members = members;
    this.headers = headers;
  }

  @Override
  public void memberList(MemberListRequest req, StreamObserver<MemberListResponse> out) {
    MemberListResponse.Builder b = MemberListResponse.newBuilder().setHeader(headers.current());
    members.get().forEach(m -> b.addMembers(m.toProto()));
    out.onNext(b.build());
    out.onCompleted();
  }
}
