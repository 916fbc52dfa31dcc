package io.cairn.server.api;

import io.cairn.proto.etcdserverpb.ClusterGrpc;
import io.cairn.proto.etcdserverpb.Member;
import io.cairn.proto.etcdserverpb.MemberAddRequest;
import io.cairn.proto.etcdserverpb.MemberAddResponse;
import io.cairn.proto.etcdserverpb.MemberListRequest;
import io.cairn.proto.etcdserverpb.MemberListResponse;
import io.cairn.proto.etcdserverpb.MemberPromoteRequest;
import io.cairn.proto.etcdserverpb.MemberPromoteResponse;
import io.cairn.proto.etcdserverpb.MemberRemoveRequest;
import io.cairn.proto.etcdserverpb.MemberRemoveResponse;
import io.cairn.proto.etcdserverpb.MemberUpdateRequest;
import io.cairn.proto.etcdserverpb.MemberUpdateResponse;
import io.cairn.server.cluster.MemberInfo;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** etcd's Cluster service; membership changes go through {@link MembershipChanges}. */
public final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private final Supplier<List<MemberInfo>> members;
  private final Headers headers;
  private final MembershipChanges changes;
  private final Supplier<CompletableFuture<Void>> readBarrier;

  public ClusterService(Supplier<List<MemberInfo>> members, Headers headers, MembershipChanges changes,
      Supplier<CompletableFuture<Void>> readBarrier) {
    this.members = members;
    this.headers = headers;
    this.changes = changes;
    this.readBarrier = readBarrier;
  }

  private List<Member> protoMembers() {
    return members.get().stream().map(MemberInfo::toProto).toList();
  }

  @Override
  public void memberList(MemberListRequest req, StreamObserver<MemberListResponse> out) {
    CompletableFuture<Void> ready = req.getLinearizable() ? readBarrier.get() : CompletableFuture.completedFuture(null);
    ready.whenComplete((ok, err) -> {
      if (err != null) {
        out.onError(EtcdErrors.toStatus(err));
        return;
      }
      out.onNext(MemberListResponse.newBuilder().setHeader(headers.withoutRevision()).addAllMembers(protoMembers()).build());
      out.onCompleted();
    });
  }

  @Override
  public void memberAdd(MemberAddRequest req, StreamObserver<MemberAddResponse> out) {
    changes.add(req.getPeerURLsList(), req.getIsLearner()).whenComplete((added, err) -> {
      if (err != null) {
        out.onError(EtcdErrors.toStatus(err));
        return;
      }
      out.onNext(MemberAddResponse.newBuilder().setHeader(headers.withoutRevision()).setMember(added)
          .addAllMembers(protoMembers()).build());
      out.onCompleted();
    });
  }

  @Override
  public void memberRemove(MemberRemoveRequest req, StreamObserver<MemberRemoveResponse> out) {
    changes.remove(req.getID()).whenComplete((ok, err) -> {
      if (err != null) {
        out.onError(EtcdErrors.toStatus(err));
        return;
      }
      out.onNext(MemberRemoveResponse.newBuilder().setHeader(headers.withoutRevision()).addAllMembers(protoMembers()).build());
      out.onCompleted();
    });
  }

  @Override
  public void memberUpdate(MemberUpdateRequest req, StreamObserver<MemberUpdateResponse> out) {
    changes.update(req.getID(), req.getPeerURLsList()).whenComplete((ok, err) -> {
      if (err != null) {
        out.onError(EtcdErrors.toStatus(err));
        return;
      }
      out.onNext(MemberUpdateResponse.newBuilder().setHeader(headers.withoutRevision()).addAllMembers(protoMembers()).build());
      out.onCompleted();
    });
  }

  @Override
  public void memberPromote(MemberPromoteRequest req, StreamObserver<MemberPromoteResponse> out) {
    changes.promote(req.getID()).whenComplete((ok, err) -> {
      if (err != null) {
        out.onError(EtcdErrors.toStatus(err));
        return;
      }
      out.onNext(MemberPromoteResponse.newBuilder().setHeader(headers.withoutRevision()).addAllMembers(protoMembers()).build());
      out.onCompleted();
    });
  }
}
