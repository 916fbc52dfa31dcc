package io.cairn.server;

import io.cairn.server.api.MemberState;
import io.cairn.server.apply.Proposer;

/**
 * Consensus state of a lone member that applies writes directly (no replicated log yet). It is its
 * own leader; the term is the one a lone etcd member reaches at bootstrap (term 1 carries the
 * bootstrap configuration, the self-election makes it 2), so headers and Status read as etcd's do.
 * Raft replaces this with its real state.
 */
final class LocalMemberState implements MemberState {
  static final long BOOTSTRAP_TERM = 2;

  private final long clusterId;
  private final long memberId;
  private final Proposer proposer;

  LocalMemberState(long clusterId, long memberId, Proposer proposer) {
    this.clusterId = clusterId;
    this.memberId = memberId;
    this.proposer = proposer;
  }

  @Override
  public long clusterId() {
    return clusterId;
  }

  @Override
  public long memberId() {
    return memberId;
  }

  @Override
  public long raftTerm() {
    return BOOTSTRAP_TERM;
  }

  @Override
  public long leaderId() {
    return memberId;
  }

  @Override
  public long raftIndex() {
    return proposer.committedIndex();
  }

  @Override
  public long appliedIndex() {
    return proposer.appliedIndex();
  }
}
