package io.cairn.server.cluster;

import io.cairn.proto.serverpb.MemberRecord;
import io.cairn.proto.serverpb.MembersRequest;
import io.cairn.proto.serverpb.Membership;
import io.cairn.proto.serverpb.PeerGrpc;
import io.cairn.server.config.ServerConfig;
import io.grpc.ManagedChannel;
import io.cairn.server.peer.PeerChannels;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A member started with --initial-cluster-state existing learns who it is from the cluster, as
 * etcd's does: it asks the other --initial-cluster members for the membership and finds the entry
 * that `member add` created for its --initial-advertise-peer-urls.
 */
public final class ClusterJoin {
  private ClusterJoin() {}

  /**
   * Who this member is, and the other members' ids and peer URLs as the cluster knows them: a
   * joining member cannot derive those ids itself (`member add` prints no --initial-cluster-token).
   */
  public record Joined(MemberIdentity identity, Map<Long, URI> peers) {}

  public static Joined discover(ServerConfig cfg, PeerChannels channels) throws IOException {
    List<String> mine = cfg.initialAdvertisePeerUrls.stream().map(URI::toString).sorted().toList();
    String lastError = "no other member in --initial-cluster";
    for (Map.Entry<String, List<URI>> e : cfg.initialCluster.entrySet()) {
      if (e.getKey().equals(cfg.name)) {
        continue;
      }
      for (URI u : e.getValue()) {
        ManagedChannel ch = channels.open(u);
        try {
          Membership m = PeerGrpc.newBlockingStub(ch).withDeadlineAfter(3, TimeUnit.SECONDS)
              .members(MembersRequest.getDefaultInstance());
          for (MemberRecord r : m.getMembersList()) {
            if (r.getPeerUrlsList().stream().sorted().toList().equals(mine)) {
              Map<Long, URI> peers = new java.util.LinkedHashMap<>();
              for (MemberRecord o : m.getMembersList()) {
                if (o.getId() != r.getId() && o.getPeerUrlsCount() > 0) {
                  peers.put(o.getId(), URI.create(o.getPeerUrls(0)));
                }
              }
              return new Joined(new MemberIdentity(r.getId(), m.getClusterId()), peers);
            }
          }
          throw new IOException("error validating peerURLs: member with peer URLs " + mine
              + " has not been added to the cluster (run 'etcdctl member add' first)");
        } catch (io.grpc.StatusRuntimeException ex) {
          lastError = u + ": " + ex.getStatus().getCode() + " " + ex.getStatus().getDescription();
        } finally {
          ch.shutdownNow();
        }
      }
    }
    throw new IOException("cannot join the existing cluster: no member answered (" + lastError + ")");
  }
}
