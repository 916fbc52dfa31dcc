package io.cairn.server.peer;

import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Peer traffic carries the sender's cluster id (etcd's X-Etcd-Cluster-ID header); a member refuses
 * traffic from another cluster with etcd's "cluster ID mismatch", so a member started with the
 * wrong --initial-cluster-token or data directory cannot join or disturb a cluster.
 */
public final class ClusterIdCheck implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterIdCheck.class);
  static final Metadata.Key<String> CLUSTER_ID = Metadata.Key.of("cairn-cluster-id", Metadata.ASCII_STRING_MARSHALLER);
  public static final String MISMATCH = io.cairn.server.api.EtcdErrors.CLUSTER_ID_MISMATCH;

  private final long clusterId;

  public ClusterIdCheck(long clusterId) {
    this.clusterId = clusterId;
  }

  /** Client side: stamps every peer call with this member's cluster id. */
  public static ClientInterceptor stamp(long clusterId) {
    Metadata md = new Metadata();
    md.put(CLUSTER_ID, Long.toHexString(clusterId));
    return MetadataUtils.newAttachHeadersInterceptor(md);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String theirs = headers.get(CLUSTER_ID);
    // Members asking for the membership to join do not know the cluster id yet
    boolean joining = call.getMethodDescriptor().getBareMethodName().equals("Members");
    if (!joining && !Long.toHexString(clusterId).equals(theirs)) {
      LOG.error("rejected peer traffic from cluster {} (this member is in cluster {})", theirs,
          Long.toHexString(clusterId));
      call.close(Status.FAILED_PRECONDITION.withDescription(MISMATCH), new Metadata());
      return new ServerCall.Listener<>() { };
    }
    return next.startCall(call, headers);
  }
}
