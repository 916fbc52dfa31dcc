package io.cairn.raft;

import java.util.Objects;

/**
 * Static configuration of one raft node. Build with {@link #builder(long)}; {@link #validate()}
 * is called by {@link RawNode}.
 *
 * @param id this node's id, non-zero
 * @param electionTick ticks without leader contact before a follower campaigns; the actual timeout
 *     is randomized in {@code [electionTick, 2*electionTick)}
 * @param heartbeatTick ticks between leader heartbeats; must be below electionTick
 * @param applied the last index the application has applied (on restart)
 * @param preVote run a pre-election before bumping the term
 * @param checkQuorum leaders step down without quorum contact; followers refuse votes while their
 *     leader lease is fresh
 * @param readOnlyOption how ReadIndex confirms leadership; LEASE_BASED requires checkQuorum
 * @param maxSizePerMsg soft cap on the entry payload bytes of one append message (at least one
 *     entry is always sent)
 * @param maxInflightMsgs cap on unacknowledged appends per follower in replicate state
 * @param maxInflightBytes cap on unacknowledged entry payload bytes per follower (0 = unlimited)
 * @param maxCommittedSizePerReady soft cap on the bytes of committed entries per Ready
 * @param disableProposalForwarding followers drop proposals instead of forwarding them
 * @param stepDownOnRemoval a leader removed from the configuration becomes a follower
 * @param random randomness for election timeouts
 */
public record RaftConfig(
    long id,
    int electionTick,
    int heartbeatTick,
    long applied,
    boolean preVote,
    boolean checkQuorum,
    ReadOnlyOption readOnlyOption,
    long maxSizePerMsg,
    int maxInflightMsgs,
    long maxInflightBytes,
    long maxCommittedSizePerReady,
    boolean disableProposalForwarding,
    boolean stepDownOnRemoval,
    RandomSource random) {

  public static Builder builder(long id) {
    return new Builder(id);
  }

  public Builder toBuilder() {
    Builder b = new Builder(id);
    b.electionTick = electionTick;
    b.heartbeatTick = heartbeatTick;
    b.applied = applied;
    b.preVote = preVote;
    b.checkQuorum = checkQuorum;
    b.readOnlyOption = readOnlyOption;
    b.maxSizePerMsg = maxSizePerMsg;
    b.maxInflightMsgs = maxInflightMsgs;
    b.maxInflightBytes = maxInflightBytes;
    b.maxCommittedSizePerReady = maxCommittedSizePerReady;
    b.disableProposalForwarding = disableProposalForwarding;
    b.stepDownOnRemoval = stepDownOnRemoval;
    b.random = random;
    return b;
  }

  /** Throws {@link RaftException} (INVALID_CONFIG) when the configuration cannot work. */
  public void validate() {
    check(id != 0, "id must not be 0");
    check(heartbeatTick > 0, "heartbeatTick must be > 0");
    check(electionTick > heartbeatTick, "electionTick must be > heartbeatTick");
    check(maxInflightMsgs > 0, "maxInflightMsgs must be > 0");
    check(maxInflightBytes >= 0, "maxInflightBytes must be >= 0");
    check(maxInflightBytes == 0 || maxInflightBytes >= maxSizePerMsg,
        "maxInflightBytes must be >= maxSizePerMsg");
    check(readOnlyOption != ReadOnlyOption.LEASE_BASED || checkQuorum,
        "LEASE_BASED reads require checkQuorum");
    Objects.requireNonNull(random, "random");
    Objects.requireNonNull(readOnlyOption, "readOnlyOption");
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new RaftException(RaftException.Code.INVALID_CONFIG, what);
    }
  }

  /** Mutable builder with etcd-like defaults. */
  public static final class Builder {
    private final long id;
    private int electionTick = 10;
    private int heartbeatTick = 1;
    private long applied;
    private boolean preVote = true;
    private boolean checkQuorum = true;
    private ReadOnlyOption readOnlyOption = ReadOnlyOption.SAFE;
    private long maxSizePerMsg = 1024 * 1024;
    private int maxInflightMsgs = 256;
    private long maxInflightBytes;
    private long maxCommittedSizePerReady = Long.MAX_VALUE;
    private boolean disableProposalForwarding;
    private boolean stepDownOnRemoval;
    private RandomSource random;

    private Builder(long id) {
      this.id = id;
    }

    public Builder electionTick(int v) { electionTick = v; return this; }
    public Builder heartbeatTick(int v) { heartbeatTick = v; return this; }
    public Builder applied(long v) { applied = v; return this; }
    public Builder preVote(boolean v) { preVote = v; return this; }
    public Builder checkQuorum(boolean v) { checkQuorum = v; return this; }
    public Builder readOnlyOption(ReadOnlyOption v) { readOnlyOption = v; return this; }
    public Builder maxSizePerMsg(long v) { maxSizePerMsg = v; return this; }
    public Builder maxInflightMsgs(int v) { maxInflightMsgs = v; return this; }
    public Builder maxInflightBytes(long v) { maxInflightBytes = v; return this; }
    public Builder maxCommittedSizePerReady(long v) { maxCommittedSizePerReady = v; return this; }
    public Builder disableProposalForwarding(boolean v) { disableProposalForwarding = v; return this; }
    public Builder stepDownOnRemoval(boolean v) { stepDownOnRemoval = v; return this; }
    public Builder random(RandomSource v) { random = v; return this; }

    public RaftConfig build() {
      RandomSource r = random != null ? random : RandomSource.seeded(id);
      return new RaftConfig(id, electionTick, heartbeatTick, applied, preVote, checkQuorum,
          readOnlyOption, maxSizePerMsg, maxInflightMsgs, maxInflightBytes,
          maxCommittedSizePerReady, disableProposalForwarding, stepDownOnRemoval, r);
    }
  }
}
