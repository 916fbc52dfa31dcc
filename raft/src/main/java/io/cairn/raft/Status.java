package io.cairn.raft;

import io.cairn.proto.raftpb.ConfState;
import io.cairn.proto.raftpb.HardState;
import java.util.Map;

/**
 * A point-in-time view of a node, for diagnostics and tests.
 *
 * @param progress per-peer replication state; empty unless this node is the leader
 */
public record Status(
    long id,
    HardState hardState,
    SoftState softState,
    long applied,
    long leadTransferee,
    ConfState config,
    Map<Long, PeerProgress> progress) {

  /** Leader-side replication state of one peer. */
  public record PeerProgress(
      long match, long next, ProgressState state, boolean learner, boolean recentActive) {}
}
