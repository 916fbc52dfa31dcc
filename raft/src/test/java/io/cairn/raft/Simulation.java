package io.cairn.raft;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.ConfChange;
import io.cairn.proto.raftpb.ConfChangeSingle;
import io.cairn.proto.raftpb.ConfChangeType;
import io.cairn.proto.raftpb.ConfChangeV2;
import io.cairn.proto.raftpb.ConfState;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A seeded, single-threaded cluster simulation over virtual time. A fault phase mixes client
 * proposals with message drops, duplicates and reordering delays, symmetric and asymmetric
 * partitions, crashes (losing everything not persisted) and restarts, slow disks, membership
 * changes (add learner, promote, remove, joint replace) and leader transfers. Then all faults
 * stop and liveness is required: a leader is elected and a new proposal is applied on every
 * member within a bounded number of ticks. {@link SimInvariants} are checked after every event.
 * The same seed always produces the same run.
 */
final class Simulation {
  /** Virtual time units per tick. */
  static final int TICK = 10;
  static final int ELECTION_TICK = 10;
  /** -Dcairn.raft.trace=true prints every delivered message and every note (for replays). */
  static final boolean TRACE = Boolean.getBoolean("cairn.raft.trace");

  /** Thrown on the first violated invariant. */
  static final class Failure extends RuntimeException {
    Failure(String msg) {
      super(msg);
    }
  }

  private record Event(long time, long seq, Runnable action) {}

  final long seed;
  final int size;
  final SplittableRandom rnd;
  final SimNetwork network;
  final SimInvariants invariants;
  final int compactEvery;
  private final TreeMap<Long, SimNode> nodes = new TreeMap<>();
  private final Set<Long> removed = new HashSet<>();
  private final Set<Long> everMember = new HashSet<>();
  /** Nodes no longer in the configuration, with the index of the change that removed them. */
  private final TreeMap<Long, Long> pendingRemoval = new TreeMap<>();
  private final PriorityQueue<Event> events = new PriorityQueue<>((a, b) ->
      a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
  private final ArrayDeque<String> recent = new ArrayDeque<>();
  private long seq;
  private long now;
  private long nextNodeId;
  private long commandSeq;
  private final ConfState bootstrap;
  private final boolean preVote;
  private final boolean checkQuorum;
  private long latestConfIndex;
  private ConfState latestConf;
  private boolean faults = true;
  // fault knobs, drawn from the seed
  private final double crashRate;
  private final double partitionRate;
  private final double confRate;
  private final double transferRate;
  private final double slowDiskRate;
  // statistics
  int proposalsAccepted;
  int commandsApplied;
  int confChangesApplied;
  int crashes;
  int elections;
  long livenessTicks;

  Simulation(long seed, int size) {
    this.seed = seed;
    this.size = size;
    this.rnd = new SplittableRandom(seed);
    this.network = new SimNetwork(this, rnd.split());
    this.invariants = new SimInvariants(this);
    this.preVote = rnd.nextBoolean();
    this.checkQuorum = rnd.nextBoolean();
    this.compactEvery = 5 + rnd.nextInt(30);
    network.dropRate = rnd.nextDouble() * 0.15;
    network.dupRate = rnd.nextDouble() * 0.05;
    network.maxDelay = 1 + rnd.nextInt(3 * TICK);
    crashRate = rnd.nextDouble() * 0.02;
    partitionRate = rnd.nextDouble() * 0.03;
    confRate = rnd.nextDouble() * 0.05;
    transferRate = rnd.nextDouble() * 0.02;
    slowDiskRate = rnd.nextDouble() * 0.02;
    ConfState.Builder cs = ConfState.newBuilder();
    for (long id = 1; id <= size; id++) {
      cs.addVoters(id);
    }
    bootstrap = cs.build();
    latestConf = bootstrap;
    nextNodeId = size + 1;
    for (long id = 1; id <= size; id++) {
      addNode(id);
      everMember.add(id);
    }
  }

  String describeKnobs() {
    return String.format("nodes=%d preVote=%s checkQuorum=%s drop=%.3f dup=%.3f maxDelay=%d "
        + "crash=%.4f partition=%.4f conf=%.4f transfer=%.4f slowDisk=%.4f compactEvery=%d",
        size, preVote, checkQuorum, network.dropRate, network.dupRate, network.maxDelay,
        crashRate, partitionRate, confRate, transferRate, slowDiskRate, compactEvery);
  }

  private SimNode addNode(long id) {
    RaftConfig cfg = RaftConfig.builder(id).electionTick(ELECTION_TICK).heartbeatTick(1)
        .preVote(preVote).checkQuorum(checkQuorum).maxSizePerMsg(64 + rnd.nextInt(256))
        .maxInflightMsgs(1 + rnd.nextInt(8)).maxInflightBytes(rnd.nextBoolean() ? 0 : 1024)
        .random(RandomSource.seeded(rnd.nextLong())).build();
    // Joining nodes bootstrap like the founders and learn the membership from the log or a
    // snapshot.
    SimNode n = new SimNode(id, this, cfg, bootstrap);
    nodes.put(id, n);
    n.start();
    long phase = rnd.nextInt(TICK);
    schedule(phase + 1, () -> tickLoop(n));
    return n;
  }

  private void tickLoop(SimNode n) {
    if (removed.contains(n.id)) {
      return;
    }
    n.tick();
    schedule(TICK, () -> tickLoop(n));
  }

  SimNode node(long id) {
    return nodes.get(id);
  }

  boolean isRemoved(long id) {
    return removed.contains(id);
  }

  void schedule(long delay, Runnable r) {
    events.add(new Event(now + delay, seq++, r));
  }

  void fail(String msg) {
    throw new Failure(msg + "\n  at time " + now + " (tick " + now / TICK + "), "
        + describeKnobs() + "\n  recent events:\n    " + String.join("\n    ", recent));
  }

  String tickNow() {
    return now / TICK + "." + now % TICK;
  }

  private void note(String s) {
    if (TRACE) {
      System.out.println(tickNow() + " NOTE " + s);
    }
    recent.addLast(now / TICK + ": " + s);
    if (recent.size() > 30) {
      recent.removeFirst();
    }
  }

  // ------------------------------------------------------------------ callbacks from nodes

  void reportSnapshot(long from, long to, SnapshotStatus st) {
    SimNode n = nodes.get(from);
    if (n != null && n.isUp() && !removed.contains(from)) {
      n.rn.reportSnapshot(to, st);
      n.pump();
    }
  }

  void onConfApplied(SimNode node, long index, ConfState cs) {
    confChangesApplied++;
    note("node " + node.id + " applied conf at " + index + ": " + Describe.confState(cs));
    if (index <= latestConfIndex) {
      return;
    }
    latestConfIndex = index;
    latestConf = cs;
    Set<Long> members = members(cs);
    everMember.addAll(members);
    pendingRemoval.keySet().removeIf(members::contains);
    for (long id : nodes.keySet()) {
      if (everMember.contains(id) && !members.contains(id) && !removed.contains(id)) {
        pendingRemoval.putIfAbsent(id, index);
      }
    }
  }

  /**
   * A removed member is shut down only once every member of the current configuration durably
   * knows that its removal committed; before that, members still in an older (e.g. joint)
   * configuration may need its vote. Runs every tick.
   */
  private void housekeeping() {
    for (var it = pendingRemoval.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      boolean allKnow = true;
      for (long m : members(latestConf)) {
        SimNode n = nodes.get(m);
        long durable = Math.max(n.disk.hardState().getCommit(),
            n.disk.snapshot().getMetadata().getIndex());
        if (durable < e.getValue()) {
          allKnow = false;
          break;
        }
      }
      if (allKnow) {
        long id = e.getKey();
        it.remove();
        removed.add(id);
        note("node " + id + " removed from the cluster; shutting it down");
        nodes.get(id).crash();
      }
    }
    schedule(TICK, this::housekeeping);
  }

  private static Set<Long> members(ConfState cs) {
    Set<Long> s = new HashSet<>(cs.getVotersList());
    s.addAll(cs.getVotersOutgoingList());
    s.addAll(cs.getLearnersList());
    s.addAll(cs.getLearnersNextList());
    return s;
  }

  private final Set<ByteString> livenessMarkers = new HashSet<>();
  private final TreeMap<Long, Integer> markerApplied = new TreeMap<>();
  private boolean livenessDone;

  void onCommandApplied(SimNode n, ByteString data) {
    commandsApplied++;
    if (livenessMarkers.contains(data)) {
      markerApplied.merge(n.id, 1, Integer::sum);
    }
  }

  /** Linearizable reads in flight: context -> highest committed index when issued. */
  private final java.util.HashMap<ByteString, Long> readFloor = new java.util.HashMap<>();
  int readsServed;

  /**
   * A ReadIndex answer must cover every entry committed before the read was issued; otherwise
   * a read served at that index could miss an acknowledged write.
   */
  void onReadState(SimNode n, ReadState rs) {
    Long floor = readFloor.get(rs.requestCtx());
    if (floor == null) {
      fail("node " + n.id + " got a read state for an unknown request");
      return;
    }
    if (rs.index() < floor) {
      fail("linearizable read: node " + n.id + " read index " + rs.index()
          + " below index " + floor + " committed before the read was issued");
    }
    readsServed++;
  }

  private void issueRead(SimNode n) {
    ByteString ctx = ByteString.copyFromUtf8("read-" + (++commandSeq));
    readFloor.put(ctx, invariants.maxCommitted());
    n.rn.readIndex(ctx);
    n.pump();
  }

  // ------------------------------------------------------------------ chaos

  private List<SimNode> upNodes() {
    List<SimNode> l = new ArrayList<>();
    for (SimNode n : nodes.values()) {
      if (n.isUp() && !removed.contains(n.id)) {
        l.add(n);
      }
    }
    return l;
  }

  private SimNode leader() {
    SimNode best = null;
    for (SimNode n : upNodes()) {
      if (n.raft().state == StateRole.LEADER && (best == null || n.raft().term > best.raft().term)) {
        best = n;
      }
    }
    return best;
  }

  private <T> T pick(List<T> l) {
    return l.get(rnd.nextInt(l.size()));
  }

  private void chaosTick() {
    if (!faults) {
      return;
    }
    List<SimNode> up = upNodes();
    // client proposals
    if (!up.isEmpty() && rnd.nextInt(3) == 0) {
      SimNode n = pick(up);
      propose(n, ByteString.copyFromUtf8("c" + (++commandSeq)));
    }
    // linearizable reads
    if (!up.isEmpty() && rnd.nextInt(4) == 0) {
      issueRead(pick(up));
    }
    // crash / restart
    if (!up.isEmpty() && rnd.nextDouble() < crashRate) {
      SimNode n = pick(up);
      note("crash " + n.id);
      crashes++;
      n.crash();
    }
    for (SimNode n : nodes.values()) {
      if (!n.isUp() && !removed.contains(n.id) && rnd.nextInt(20) == 0) {
        note("restart " + n.id);
        n.start();
        n.pump();
      }
    }
    // partitions
    if (rnd.nextDouble() < partitionRate) {
      partition();
    }
    if (network.blockedLinks() > 0 && rnd.nextInt(30) == 0) {
      note("heal partitions");
      network.healPartitions();
    }
    // slow disks
    for (SimNode n : nodes.values()) {
      if (rnd.nextDouble() < slowDiskRate) {
        n.slowDisk = !n.slowDisk;
      }
    }
    if (rnd.nextDouble() < confRate) {
      membershipChange();
    }
    if (rnd.nextDouble() < transferRate) {
      SimNode l = leader();
      if (l != null) {
        List<Long> voters = l.confState.getVotersList();
        long target = voters.get(rnd.nextInt(voters.size()));
        note("transfer leadership " + l.id + " -> " + target);
        l.rn.transferLeader(target);
        l.pump();
      }
    }
  }

  private void propose(SimNode n, ByteString data) {
    try {
      n.rn.propose(data);
      proposalsAccepted++;
    } catch (RaftException e) {
      if (e.code() != RaftException.Code.PROPOSAL_DROPPED) {
        throw e;
      }
    }
    n.pump();
  }

  private void partition() {
    List<Long> ids = new ArrayList<>();
    for (SimNode n : nodes.values()) {
      if (!removed.contains(n.id)) {
        ids.add(n.id);
      }
    }
    if (rnd.nextBoolean()) {
      // symmetric: split into two sides
      Set<Long> side = new HashSet<>();
      for (long id : ids) {
        if (rnd.nextBoolean()) {
          side.add(id);
        }
      }
      for (long a : ids) {
        for (long b : ids) {
          if (side.contains(a) != side.contains(b)) {
            network.block(a, b);
          }
        }
      }
      note("partition " + side + " | rest");
    } else {
      // asymmetric: some directed links fail
      StringBuilder sb = new StringBuilder();
      for (long a : ids) {
        for (long b : ids) {
          if (a != b && rnd.nextInt(4) == 0) {
            network.block(a, b);
            sb.append(a).append("->").append(b).append(' ');
          }
        }
      }
      note("asymmetric cut " + sb);
    }
  }

  private void membershipChange() {
    SimNode l = leader();
    if (l == null) {
      return;
    }
    ConfState cs = l.confState;
    if (cs.getVotersOutgoingCount() > 0) {
      return; // joint: it leaves automatically
    }
    List<Long> voters = cs.getVotersList();
    List<Long> learners = cs.getLearnersList();
    int op = rnd.nextInt(4);
    Object cc;
    String what;
    if (op == 0 && nodes.size() - removed.size() < size + 2) {
      long id = nextNodeId++;
      addNode(id);
      cc = ConfChange.newBuilder().setType(ConfChangeType.ADD_LEARNER_NODE).setNodeId(id).build();
      what = "add learner " + id;
    } else if (op == 1 && !learners.isEmpty()) {
      long id = pick(learners);
      cc = ConfChange.newBuilder().setType(ConfChangeType.ADD_NODE).setNodeId(id).build();
      what = "promote " + id;
    } else if (op == 2 && voters.size() > minVoters()) {
      long id = pick(voters);
      cc = ConfChange.newBuilder().setType(ConfChangeType.REMOVE_NODE).setNodeId(id).build();
      what = "remove voter " + id;
    } else if (op == 3 && !learners.isEmpty() && voters.size() >= minVoters()) {
      long in = pick(learners);
      long out = pick(voters);
      cc = ConfChangeV2.newBuilder()
          .addChanges(ConfChangeSingle.newBuilder().setType(ConfChangeType.ADD_NODE)
              .setNodeId(in))
          .addChanges(ConfChangeSingle.newBuilder().setType(ConfChangeType.REMOVE_NODE)
              .setNodeId(out))
          .build();
      what = "joint replace " + out + " by " + in;
    } else {
      return;
    }
    note("propose conf change via " + l.id + ": " + what);
    try {
      if (cc instanceof ConfChange c) {
        l.rn.proposeConfChange(c);
      } else {
        l.rn.proposeConfChange((ConfChangeV2) cc);
      }
    } catch (RaftException e) {
      if (e.code() != RaftException.Code.PROPOSAL_DROPPED) {
        throw e;
      }
    }
    l.pump();
  }

  private int minVoters() {
    return size == 3 ? 2 : 3;
  }

  // ------------------------------------------------------------------ run

  private void stopFaults() {
    faults = false;
    note("faults stop");
    network.healPartitions();
    network.dropRate = 0;
    network.dupRate = 0;
    network.maxDelay = Math.min(network.maxDelay, TICK);
    for (SimNode n : nodes.values()) {
      n.slowDisk = false;
      if (!n.isUp() && !removed.contains(n.id)) {
        n.start();
        n.pump();
      }
    }
  }

  private long markerSeq;
  private long lastMarkerAt = -1;

  private void livenessTick(long sinceHeal) {
    Set<Long> members = members(latestConf);
    boolean all = !markerApplied.isEmpty();
    for (long id : members) {
      if (!markerApplied.containsKey(id)) {
        all = false;
      }
    }
    if (all && leader() != null) {
      livenessDone = true;
      livenessTicks = sinceHeal;
      return;
    }
    // (Re)propose a marker every few election timeouts until one is applied everywhere.
    if (lastMarkerAt < 0 || sinceHeal - lastMarkerAt >= 3L * ELECTION_TICK) {
      SimNode l = leader();
      if (l != null) {
        ByteString m = ByteString.copyFromUtf8("live-" + seed + "-" + (++markerSeq));
        livenessMarkers.add(m);
        markerApplied.clear();
        lastMarkerAt = sinceHeal;
        propose(l, m);
      }
    }
  }

  /** Runs the fault phase for faultTicks, then requires liveness within livenessBound ticks. */
  void run(int faultTicks, int livenessBound) {
    schedule(0, this::chaosLoop);
    schedule(TICK / 2, this::housekeeping);
    long faultEnd = (long) faultTicks * TICK;
    long end = faultEnd + (long) livenessBound * TICK;
    boolean healed = false;
    long nextLivenessCheck = faultEnd;
    while (!events.isEmpty()) {
      Event e = events.poll();
      now = e.time;
      if (!healed && now >= faultEnd) {
        healed = true;
        stopFaults();
      }
      if (now > end) {
        break;
      }
      try {
        e.action.run();
      } catch (Failure f) {
        throw f;
      } catch (RuntimeException ex) {
        StringBuilder st = new StringBuilder();
        for (StackTraceElement el : ex.getStackTrace()) {
          if (el.getClassName().startsWith("io.cairn.raft")) {
            st.append("\n      at ").append(el);
          }
        }
        fail("exception: " + ex + st + "\n  state:\n" + describeNodes());
      }
      invariants.check(nodes.values());
      if (healed && now >= nextLivenessCheck) {
        nextLivenessCheck = now + TICK;
        livenessTick((now - faultEnd) / TICK);
        if (livenessDone) {
          return;
        }
      }
    }
    fail("liveness: no leader with a proposal applied on all members " + members(latestConf)
        + " within " + livenessBound + " ticks after faults stopped; leader="
        + (leader() == null ? "none" : leader().id) + " state:\n" + describeNodes());
  }

  private void chaosLoop() {
    chaosTick();
    if (faults) {
      schedule(TICK, this::chaosLoop);
    }
  }

  String describeNodes() {
    StringBuilder b = new StringBuilder();
    for (SimNode n : nodes.values()) {
      b.append("    ").append(n.id);
      if (removed.contains(n.id)) {
        b.append(" removed\n");
        continue;
      }
      if (!n.isUp()) {
        b.append(" down\n");
        continue;
      }
      Raft r = n.raft();
      b.append(' ').append(r.state).append(" term=").append(r.term).append(" lead=")
          .append(r.lead).append(" commit=").append(r.log.committed).append(" applied=")
          .append(n.appliedIndex).append(" last=").append(r.log.lastIndex()).append(" conf=")
          .append(Describe.confState(n.confState)).append(" elapsed=")
          .append(r.electionElapsed).append('/').append(r.randomizedElectionTimeout)
          .append(r.promotable() ? " promotable" : "")
          .append(r.log.hasNextOrInProgressSnapshot() ? " snapshot-pending" : "")
          .append(n.hasInFlight() ? " disk-busy" : "").append(n.slowDisk ? " slow" : "")
          .append(" votes=").append(r.trk.votes).append('\n');
    }
    return b.toString();
  }
}
