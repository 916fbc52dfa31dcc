package io.cairn.server.api;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * etcd's {@code hasleader: true} metadata (clientv3 WithRequireLeader, used by Kubernetes and
 * jetcd): with no leader the call fails with Unavailable "etcdserver: no leader" instead of waiting.
 */
public final class HasLeaderInterceptor implements ServerInterceptor {
  static final Metadata.Key<String> HAS_LEADER = Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);

  private final MemberState member;

  public HasLeaderInterceptor(MemberState member) {
    this.member = member;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if ("true".equals(headers.get(HAS_LEADER)) && !member.hasLeader()) {
      call.close(Status.UNAVAILABLE.withDescription(EtcdErrors.NO_LEADER), new Metadata());
      return new ServerCall.Listener<>() { };
    }
    return next.startCall(call, headers);
  }
}
