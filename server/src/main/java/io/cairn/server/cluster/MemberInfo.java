package io.cairn.server.cluster;

import io.cairn.proto.etcdserverpb.Member;
import java.net.URI;
import java.util.List;

/** One member as the Cluster service lists it. */
public record MemberInfo(long id, String name, List<URI> peerUrls, List<URI> clientUrls, boolean learner) {

  public Member toProto() {
    Member.Builder b = Member.newBuilder().setID(id).setName(name).setIsLearner(learner);
    peerUrls.forEach(u -> b.addPeerURLs(u.toString()));
    clientUrls.forEach(u -> b.addClientURLs(u.toString()));
    return b.build();
  }
}
