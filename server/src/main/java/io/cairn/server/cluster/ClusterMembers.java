package io.cairn.server.cluster;

import io.cairn.proto.serverpb.MemberAttributes;
import io.cairn.server.peer.PeerTransport;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The members as MemberList shows them: ids, names and peer URLs from the bootstrap configuration,
 * client URLs as each member reports them over the peer connection (cached; a member that has
 * never answered is listed without a name or client URLs, as etcd lists an unstarted member).
 */
public final class ClusterMembers {
  private final MemberInfo self;
  private final List<MemberInfo> bootstrap;
  private final Map<Long, MemberAttributes> known = new ConcurrentHashMap<>();
  private volatile PeerTransport transport;

  public ClusterMembers(MemberInfo self, List<MemberInfo> bootstrap) {
    this.self = self;
    this.bootstrap = bootstrap;
  }

  public void attach(PeerTransport transport) {
    this.transport = transport;
  }

  public MemberInfo self() {
    return self;
  }

  /** Peer ids to their first peer URL, for the transport. */
  public Map<Long, URI> peerUrls() {
    Map<Long, URI> m = new java.util.LinkedHashMap<>();
    for (MemberInfo mi : bootstrap) {
      if (mi.id() != self.id()) {
        m.put(mi.id(), mi.peerUrls().get(0));
      }
    }
    return m;
  }

  public MemberAttributes selfAttributes(long clusterId) {
    MemberAttributes.Builder b = MemberAttributes.newBuilder().setId(self.id()).setName(self.name())
        .setClusterId(clusterId);
    self.clientUrls().forEach(u -> b.addClientUrls(u.toString()));
    return b.build();
  }

  public List<MemberInfo> list() {
    List<MemberInfo> out = new ArrayList<>();
    PeerTransport t = transport;
    for (MemberInfo mi : bootstrap) {
      if (mi.id() == self.id()) {
        out.add(self);
        continue;
      }
      MemberAttributes a = t == null ? null : t.attributes(mi.id());
      if (a != null) {
        known.put(mi.id(), a);
      } else {
        a = known.get(mi.id());
      }
      if (a == null) {
        out.add(new MemberInfo(mi.id(), "", mi.peerUrls(), List.of(), false));
      } else {
        out.add(new MemberInfo(mi.id(), a.getName(), mi.peerUrls(),
            a.getClientUrlsList().stream().map(URI::create).toList(), false));
      }
    }
    return out;
  }
}
