package io.cairn.server.api;

import io.cairn.proto.etcdserverpb.ResponseHeader;
import io.cairn.storage.mvcc.MvccStore;

/** Fills response headers as etcd does: cluster id, member id, raft term and a revision. */
public final class Headers {
  private final MemberState member;
  private final MvccStore store;

  public Headers(MemberState member, MvccStore store) {
    this.member = member;
    this.store = store;
  }

  /** A header for {@code revision}. */
  public ResponseHeader at(long revision) {
    return ResponseHeader.newBuilder()
        .setClusterId(member.clusterId())
        .setMemberId(member.memberId())
        .setRevision(revision)
        .setRaftTerm(member.raftTerm())
        .build();
  }

  /**
   * The Cluster service's header: etcd's carries no revision (membership is not in the key space), so
   * {@code member list -w fields} prints "Revision" : 0 and the gateway's JSON has no revision.
   */
  public ResponseHeader withoutRevision() {
    return ResponseHeader.newBuilder()
        .setClusterId(member.clusterId())
        .setMemberId(member.memberId())
        .setRaftTerm(member.raftTerm())
        .build();
  }

  /** A header at the store's current revision, for RPCs that do not produce one. */
  public ResponseHeader current() {
    return at(store.currentRevision());
  }
}
