package io.cairn.server.cluster;

import io.cairn.proto.serverpb.MemberAttributes;
import io.cairn.proto.serverpb.MemberRecord;
import io.cairn.server.peer.PeerTransport;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The members as MemberList shows them: ids, peer URLs and learner flags from the replicated
 * membership; names and client URLs as each member reports them over the peer connection (cached).
 * A member that never answered is listed with an empty name and no client URLs, which etcdctl
 * prints as "unstarted", as with etcd.
 */
public final class ClusterMembers {
  private final MemberInfo self;
  private final Map<Long, MemberAttributes> known = new ConcurrentHashMap<>();
  private volatile Membership membership;
  private volatile PeerTransport transport;

  public ClusterMembers(MemberInfo self) {
    this.self = self;
  }

  public void attach(Membership membership, PeerTransport transport) {
    this.membership = membership;
    this.transport = transport;
  }

  public MemberInfo self() {
    return self;
  }

  public MemberAttributes selfAttributes(long clusterId) {
    MemberAttributes.Builder b = MemberAttributes.newBuilder().setId(self.id()).setName(self.name())
        .setClusterId(clusterId);
    self.clientUrls().forEach(u -> b.addClientUrls(u.toString()));
    return b.build();
  }

  public List<MemberInfo> list() {
    List<MemberInfo> out = new ArrayList<>();
    Membership m = membership;
    PeerTransport t = transport;
    for (MemberRecord r : m == null ? List.<MemberRecord>of() : m.members()) {
      List<URI> peerUrls = r.getPeerUrlsList().stream().map(URI::create).toList();
      if (r.getId() == self.id()) {
        out.add(new MemberInfo(self.id(), self.name(), peerUrls, self.clientUrls(), r.getIsLearner()));
        continue;
      }
      if (!r.getName().isEmpty()) {
        // published through Raft (as etcd publishes member attributes): the same on every member
        out.add(new MemberInfo(r.getId(), r.getName(), peerUrls,
            r.getClientUrlsList().stream().map(URI::create).toList(), r.getIsLearner()));
        continue;
      }
      MemberAttributes a = known.get(r.getId());
      if (a == null && t != null) {
        a = t.attributes(r.getId());
        if (a != null) {
          known.put(r.getId(), a);
        }
      }
      if (a == null) {
        out.add(new MemberInfo(r.getId(), "", peerUrls, List.of(), r.getIsLearner()));
      } else {
        out.add(new MemberInfo(r.getId(), a.getName(), peerUrls,
            a.getClientUrlsList().stream().map(URI::create).toList(), r.getIsLearner()));
      }
    }
    return out;
  }

  /** A member's client URLs as last reported (for forwarding to the leader), or empty. */
  public List<URI> clientUrls(long id) {
    if (id == self.id()) {
      return self.clientUrls();
    }
    Membership m = membership;
    MemberRecord r = m == null ? null : m.get(id);
    if (r != null && r.getClientUrlsCount() > 0) {
      return r.getClientUrlsList().stream().map(URI::create).toList();
    }
    MemberAttributes a = known.get(id);
    if (a == null && transport != null) {
      a = transport.attributes(id);
    }
    return a == null ? List.of() : a.getClientUrlsList().stream().map(URI::create).toList();
  }

  /** The last record whose peer URLs were parsed, and those URLs (records are immutable and replaced on change). */
  private record ParsedUrls(MemberRecord record, List<URI> urls) { }

  private volatile ParsedUrls lastPeerUrls;

  /**
   * A member's peer URLs as the applied membership records them, or empty. A follower asks for the leader's on every
   * forwarded lease renewal, so the last answer is kept for as long as that member's record is the same object.
   */
  public List<URI> peerUrls(long id) {
    Membership m = membership;
    MemberRecord r = m == null ? null : m.get(id);
    if (r == null) {
      return List.of();
    }
    ParsedUrls last = lastPeerUrls;
    if (last != null && last.record() == r) {
      return last.urls();
    }
    List<URI> urls = r.getPeerUrlsList().stream().map(URI::create).toList();
    lastPeerUrls = new ParsedUrls(r, urls);
    return urls;
  }
}
