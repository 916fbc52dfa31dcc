package io.cairn.server.cluster;

import io.cairn.proto.raftpb.ConfChange;
import io.cairn.proto.serverpb.MemberRecord;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** What membership changes need from the replicated log: the applied membership, and a way to change it. */
public interface MembershipProposer {
  /** The membership as applied here. */
  Membership membership();

  /** Proposes {@code cc}; completes with the membership once it is applied here. */
  CompletableFuture<List<MemberRecord>> changeMembership(ConfChange cc);

  /** Leader only: each member's Raft progress and the leader's own, for etcd's promote check. */
  CompletableFuture<io.cairn.raft.Status> raftStatus();

  long leaderId();

  long memberId();
}
