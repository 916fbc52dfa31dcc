package io.cairn.raft;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.ConfState;
import io.cairn.proto.raftpb.Entry;
import io.cairn.proto.raftpb.Message;
import io.cairn.proto.raftpb.MessageType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A synchronous, deterministic multi-node harness for unit and scenario tests: each node is a
 * {@link RawNode} over a {@link MemoryRaftStorage}; messages sit in one global queue until
 * delivered, so tests control the interleaving exactly. Optionally records a text trace.
 */
final class TestEnv {
  /** One node: raft plus its "disk" and a trivial state machine. */
  static final class Node {
    final long id;
    RaftConfig config;
    final MemoryRaftStorage storage;
    RawNode rn;
    /** index -> command applied by the state machine (normal entries with data only). */
    final TreeMap<Long, ByteString> applied = new TreeMap<>();
    long appliedIndex;
    ConfState confState;
    final List<ReadState> reads = new ArrayList<>();

    Node(long id, RaftConfig config, MemoryRaftStorage storage) {
      this.id = id;
      this.config = config;
      this.storage = storage;
      this.rn = new RawNode(config, storage);
      this.confState = storage.initialState().confState();
      this.appliedIndex = config.applied();
    }

    Raft raft() {
      return rn.raft();
    }
  }

  final TreeMap<Long, Node> nodes = new TreeMap<>();
  final List<Message> queue = new ArrayList<>();
  private final Set<Long> isolated = new HashSet<>();
  private final Set<String> cut = new HashSet<>();
  private final Set<MessageType> ignored = new HashSet<>();
  StringBuilder trace;
  /** The configuration the cluster was bootstrapped with; joining nodes start from it too. */
  ConfState initialConf = ConfState.getDefaultInstance();

  TestEnv() {}

  TestEnv traced() {
    trace = new StringBuilder();
    return this;
  }

  /** A config with a fixed, seeded randomness per node and small timeouts. */
  static RaftConfig.Builder config(long id) {
    return RaftConfig.builder(id).electionTick(10).heartbeatTick(1).preVote(false)
        .checkQuorum(false).maxSizePerMsg(Long.MAX_VALUE).maxInflightMsgs(256)
        .random(RandomSource.seeded(id));
  }

  static ConfState voters(long... ids) {
    ConfState.Builder b = ConfState.newBuilder();
    for (long id : ids) {
      b.addVoters(id);
    }
    return b.build();
  }

  /** Adds nodes 1..n (all voters) with the given tweaks. */
  static TestEnv cluster(int n, Consumer<RaftConfig.Builder> tweak) {
    TestEnv env = new TestEnv();
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i + 1;
    }
    ConfState cs = voters(ids);
    env.initialConf = cs;
    for (long id : ids) {
      env.addNode(id, cs, tweak);
    }
    return env;
  }

  Node addNode(long id, ConfState cs, Consumer<RaftConfig.Builder> tweak) {
    RaftConfig.Builder b = config(id);
    tweak.accept(b);
    Node n = new Node(id, b.build(), MemoryRaftStorage.bootstrap(cs));
    nodes.put(id, n);
    return n;
  }

  Node node(long id) {
    Node n = nodes.get(id);
    if (n == null) {
      throw new IllegalArgumentException("no node " + id);
    }
    return n;
  }

  // ---------------------------------------------------------------- network faults

  void isolate(long id) {
    isolated.add(id);
  }

  void cut(long a, long b) {
    cut.add(a + "-" + b);
    cut.add(b + "-" + a);
  }

  void ignore(MessageType t) {
    ignored.add(t);
  }

  void heal() {
    isolated.clear();
    cut.clear();
    ignored.clear();
  }

  private boolean dropped(Message m) {
    return isolated.contains(m.getFrom()) || isolated.contains(m.getTo())
        || cut.contains(m.getFrom() + "-" + m.getTo()) || ignored.contains(m.getType())
        || !nodes.containsKey(m.getTo());
  }

  // ---------------------------------------------------------------- driving

  /** Handles one Ready of node id if it has one: persist, send, apply, advance. */
  boolean processReady(long id) {
    Node n = node(id);
    if (!n.rn.hasReady()) {
      return false;
    }
    Ready rd = n.rn.ready();
    if (trace != null) {
      trace.append("> ").append(id).append(" handling Ready\n").append(Describe.ready(rd));
    }
    if (rd.snapshot() != null) {
      n.storage.applySnapshot(rd.snapshot());
    }
    n.storage.append(rd.entries());
    if (rd.hardState() != null) {
      n.storage.setHardState(rd.hardState());
    }
    send(rd.messages());
    send(rd.messagesAfterPersist());
    if (rd.snapshot() != null) {
      n.confState = rd.snapshot().getMetadata().getConfState();
      n.appliedIndex = rd.snapshot().getMetadata().getIndex();
    }
    for (Entry e : rd.committedEntries()) {
      apply(n, e);
    }
    n.reads.addAll(rd.readStates());
    n.rn.advance();
    return true;
  }

  private void apply(Node n, Entry e) {
    if (e.getIndex() != n.appliedIndex + 1) {
      throw new AssertionError("node " + n.id + " applies " + e.getIndex() + " after "
          + n.appliedIndex);
    }
    n.appliedIndex = e.getIndex();
    switch (e.getType()) {
      case NORMAL -> {
        if (!e.getData().isEmpty()) {
          n.applied.put(e.getIndex(), e.getData());
        }
      }
      case CONF_CHANGE, CONF_CHANGE_V2 -> {
        n.confState = n.rn.applyConfChange(Raft.decodeConfChange(e));
        if (trace != null) {
          trace.append("  ").append(n.id).append(" applied conf: ")
              .append(Describe.confState(n.confState)).append('\n');
        }
      }
      default -> throw new AssertionError(e.getType());
    }
  }

  private void send(List<Message> ms) {
    for (Message m : ms) {
      if (!dropped(m)) {
        queue.add(m);
      } else if (trace != null) {
        trace.append("  dropped ").append(Describe.message(m)).append('\n');
      }
    }
  }

  /** Delivers every queued message addressed to id (in queue order). */
  boolean deliver(long id) {
    return deliver(id, m -> true);
  }

  boolean deliver(long id, Predicate<Message> filter) {
    List<Message> mine = new ArrayList<>();
    for (Iterator<Message> it = queue.iterator(); it.hasNext(); ) {
      Message m = it.next();
      if (m.getTo() == id && filter.test(m)) {
        mine.add(m);
        it.remove();
      }
    }
    if (mine.isEmpty()) {
      return false;
    }
    if (trace != null) {
      trace.append("> ").append(id).append(" receiving messages\n");
    }
    Node n = node(id);
    for (Message m : mine) {
      if (trace != null) {
        trace.append("  ").append(Describe.message(m)).append('\n');
      }
      try {
        n.rn.step(m);
      } catch (RaftException e) {
        if (trace != null) {
          trace.append("  error: ").append(e.getMessage()).append('\n');
        }
      }
    }
    return true;
  }

  /** Delivers only the queued message at position i (out of order if i > 0). */
  void deliverAt(int i) {
    Message m = queue.remove(i);
    try {
      node(m.getTo()).rn.step(m);
    } catch (RaftException e) {
      if (trace != null) {
        trace.append("  error: ").append(e.getMessage()).append('\n');
      }
    }
  }

  /** Drops every queued message addressed to id. */
  int dropTo(long id) {
    int before = queue.size();
    queue.removeIf(m -> m.getTo() == id);
    return before - queue.size();
  }

  /** Processes Readies and delivers messages until nothing changes. */
  void stabilize() {
    stabilize(nodes.keySet().stream().mapToLong(Long::longValue).toArray());
  }

  void stabilize(long... ids) {
    for (int round = 0; round < 10_000; round++) {
      boolean progress = false;
      for (long id : ids) {
        while (processReady(id)) {
          progress = true;
        }
      }
      for (long id : ids) {
        progress |= deliver(id);
      }
      if (!progress) {
        return;
      }
    }
    throw new AssertionError("did not stabilize");
  }

  void tick(long id, int n) {
    for (int i = 0; i < n; i++) {
      node(id).rn.tick();
    }
  }

  /** Ticks node id until it starts an election (its randomized timeout). */
  void tickElection(long id) {
    tick(id, node(id).raft().randomizedElectionTimeout);
  }

  void tickHeartbeat(long id) {
    tick(id, node(id).raft().heartbeatTimeout);
  }

  /** Campaigns on id and stabilizes. */
  void elect(long id) {
    node(id).rn.campaign();
    stabilize();
  }

  void propose(long id, String data) {
    node(id).rn.propose(ByteString.copyFromUtf8(data));
  }

  /** Restarts node id from its storage (nothing unpersisted exists in this harness). */
  void restart(long id) {
    Node old = node(id);
    long snapIndex = old.storage.snapshot().getMetadata().getIndex();
    RaftConfig cfg = old.config.toBuilder().applied(snapIndex).build();
    Node n = new Node(id, cfg, old.storage);
    old.applied.headMap(snapIndex, true).forEach(n.applied::put);
    nodes.put(id, n);
    queue.removeIf(m -> m.getTo() == id);
  }

  long leader() {
    long best = 0;
    long bestTerm = -1;
    for (Node n : nodes.values()) {
      Raft r = n.raft();
      if (r.state == StateRole.LEADER && r.term > bestTerm) {
        best = n.id;
        bestTerm = r.term;
      }
    }
    return best;
  }

  String describeState() {
    StringBuilder b = new StringBuilder();
    for (Node n : nodes.values()) {
      Raft r = n.raft();
      b.append(n.id).append(": ").append(r.state).append(" term=").append(r.term)
          .append(" lead=").append(r.lead).append(" commit=").append(r.log.committed)
          .append(" applied=").append(r.log.applied).append(" last=")
          .append(r.log.lastIndex()).append('\n');
    }
    return b.toString();
  }
}
