package io.cairn.server.api;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * etcd's {@code hasleader: true} metadata (clientv3 WithRequireLeader, used by Kubernetes and
 * jetcd): with no leader the call fails with Unavailable "etcdserver: no leader" instead of waiting.
 * A call that asked for it carries {@link #leaderRequired()} in its context, so long-lived streams (watches) can
 * be ended when the member later loses its leader for good ({@code watch.LeaderLossCheck}).
 */
public final class HasLeaderInterceptor implements ServerInterceptor {
  static final Metadata.Key<String> HAS_LEADER = Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<Boolean> REQUIRED = Context.key("cairn-leader-required");

  private final MemberState member;

  public HasLeaderInterceptor(MemberState member) {
    this.member = member;
  }

  /** Whether the current call was made with {@code hasleader: true} (on the call's own callbacks). */
  public static boolean leaderRequired() {
    return Boolean.TRUE.equals(REQUIRED.get());
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (!"true".equals(headers.get(HAS_LEADER))) {
      return next.startCall(call, headers);
    }
    if (!member.hasLeader()) {
      call.close(Status.UNAVAILABLE.withDescription(EtcdErrors.NO_LEADER), new Metadata());
      return new ServerCall.Listener<>() { };
    }
    return Contexts.interceptCall(Context.current().withValue(REQUIRED, true), call, headers, next);
  }
}
