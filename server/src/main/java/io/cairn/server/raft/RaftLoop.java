package io.cairn.server.raft;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.ConfChangeV2;
import io.cairn.proto.raftpb.ConfState;
import io.cairn.proto.raftpb.HardState;
import io.cairn.raft.RaftException;
import io.cairn.raft.RawNode;
import io.cairn.raft.ReadState;
import io.cairn.raft.Ready;
import io.cairn.raft.SoftState;
import io.cairn.raft.StateRole;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The raft thread: the only owner of the {@link RawNode} and the {@link DurableLog}. It takes ticks,
 * proposals, read requests and configuration changes from its inbox, and for every Ready persists
 * (one WAL write, one fsync), sends, hands committed entries to the apply thread and advances. No
 * lock is held anywhere on this path; other threads read its published state through volatiles.
 */
final class RaftLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftLoop.class);

  private final long id;
  private final RawNode node;
  private final DurableLog log;
  private final ApplyLoop apply;
  private final Listener listener;
  /** Null for a lone member; set before start. */
  private volatile io.cairn.server.peer.PeerTransport transport;
  private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
  /** Proposals that arrived while no leader was known; retried when one is. */
  private final ArrayDeque<byte[]> waitingForLeader = new ArrayDeque<>();
  /** Reads not yet sent to raft, and reads sent, by request context. */
  private final List<CompletableFuture<Void>> readsToIssue = new ArrayList<>();
  private final Map<ByteString, List<CompletableFuture<Void>>> readsIssued = new HashMap<>();
  private long readSeq;
  private ConfState confState = ConfState.getDefaultInstance();
  private final Thread thread;
  private volatile boolean running = true;

  static final String LEADER_CHANGED = "etcdserver: leader changed";

  // published for other threads
  /** Counts leader changes; a proposal outliving one times out with etcd's "previous leader" message. */
  volatile long leaderChanges;
  volatile long term;
  volatile long leader;
  volatile long commitIndex;

  /** Events other parts of the member care about. */
  interface Listener {
    void leaderChanged(long newLeader);
  }

  RaftLoop(long id, RawNode node, DurableLog log, ApplyLoop apply, Listener listener) {
    this.id = id;
    this.node = node;
    this.log = log;
    this.apply = apply;
    this.listener = listener;
    HardState hs = log.memory.hardState();
    this.term = hs.getTerm();
    this.commitIndex = hs.getCommit();
    this.confState = log.memory.snapshot().getMetadata().getConfState();
    this.thread = new Thread(this::run, "cairn-raft");
    this.thread.setDaemon(true);
  }

  void start(io.cairn.server.peer.PeerTransport transport) {
    this.transport = transport;
    thread.start();
  }

  /** From a peer's stream: a Raft message for this member. */
  void step(io.cairn.proto.raftpb.Message m) {
    inbox.add(() -> {
      try {
        node.step(m);
      } catch (RaftException e) {
        LOG.debug("ignoring message {} from {}: {}", m.getType(), Long.toHexString(m.getFrom()), e.getMessage());
      }
    });
  }

  void reportUnreachable(long peer) {
    inbox.add(() -> node.reportUnreachable(peer));
  }

  void reportSnapshot(long peer, boolean ok) {
    inbox.add(() -> node.reportSnapshot(peer,
        ok ? io.cairn.raft.SnapshotStatus.FINISH : io.cairn.raft.SnapshotStatus.FAILURE));
  }

  /** Hands leadership to the most up-to-date other voter, if this member leads; returns at once. */
  void transferToBestPeer() {
    inbox.add(() -> {
      io.cairn.raft.Status st = node.status();
      if (st.softState().role() != StateRole.LEADER) {
        return;
      }
      long best = 0;
      long bestMatch = -1;
      for (var e : st.progress().entrySet()) {
        if (e.getKey() != id && !e.getValue().learner() && e.getValue().match() > bestMatch) {
          best = e.getKey();
          bestMatch = e.getValue().match();
        }
      }
      if (best != 0) {
        node.transferLeader(best);
      }
    });
  }

  void post(Runnable r) {
    inbox.add(r);
  }

  void tick() {
    inbox.add(node::tick);
  }

  void propose(byte[] data) {
    inbox.add(() -> proposeNow(data));
  }

  void readIndex(CompletableFuture<Void> f) {
    inbox.add(() -> readsToIssue.add(f));
  }

  /** On the raft thread only (inside a posted task). */
  void proposeConfChange(io.cairn.proto.raftpb.ConfChange cc) {
    node.proposeConfChange(cc);
  }

  /** On the raft thread only (inside a posted task). */
  io.cairn.raft.Status status() {
    return node.status();
  }

  void transferLeader(long to) {
    inbox.add(() -> node.transferLeader(to));
  }

  /** From the apply thread: a committed configuration change, applied to the node here. */
  void applyConfChange(ConfChangeV2 cc, long index) {
    inbox.add(() -> {
      confState = node.applyConfChange(cc);
      // A lone voter need not wait an election timeout (etcd fast-forwards its ticks likewise), but
      // only once every committed entry is applied: bootstrap entries are applied one by one, and
      // after the first of several the configuration would wrongly hold just one voter.
      if (leader == 0 && index >= commitIndex && confState.getVotersCount() == 1 && confState.getVoters(0) == id
          && confState.getVotersOutgoingCount() == 0) {
        node.campaign();
      }
    });
  }

  /**
   * From the apply thread: {@code then} gets the configuration as of everything applied so far (configuration
   * changes reach this thread through the same inbox, in order).
   */
  void withConfState(java.util.function.Consumer<ConfState> then) {
    inbox.add(() -> then.accept(confState));
  }

  /**
   * Records a snapshot at {@code index} with configuration {@code cs}; the store checkpoint is on disk and the
   * store durable through {@code index}, so the log behind it may go. {@code done} runs afterwards, whatever
   * happened.
   */
  void snapshotAt(long index, ConfState cs, com.google.protobuf.ByteString membership, java.nio.file.Path checkpoint,
      long storeIndex, List<io.cairn.proto.serverpb.CheckpointFile> files, Runnable done) {
    inbox.add(() -> {
      try {
        log.snapshotAt(index, cs, membership, checkpoint, storeIndex, files);
        LOG.info("snapshot at index {} (store checkpoint {}); log compacted", index, checkpoint.getFileName());
      } catch (Exception e) {
        LOG.error("snapshot at index {} failed", index, e);
      } finally {
        done.run();
      }
    });
  }

  private void proposeNow(byte[] data) {
    if (leader == 0) {
      waitingForLeader.add(data);
      return;
    }
    try {
      node.propose(ByteString.copyFrom(data));
    } catch (RaftException e) {
      if (e.code() != RaftException.Code.PROPOSAL_DROPPED) {
        throw e;
      }
      // a transfer or an election is under way: keep it until a leader is known again
      waitingForLeader.add(data);
    }
  }

  private void run() {
    while (running) {
      try {
        Runnable r = inbox.poll(50, TimeUnit.MILLISECONDS);
        if (r != null) {
          r.run();
          for (Runnable more; (more = inbox.poll()) != null; ) {
            more.run();
          }
        }
        if (leader != 0 && !waitingForLeader.isEmpty()) {
          List<byte[]> retry = new ArrayList<>(waitingForLeader);
          waitingForLeader.clear();
          retry.forEach(this::proposeNow);
        }
        issueReads();
        while (node.hasReady()) {
          handle(node.ready());
        }
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        // the WAL refuses writes after an I/O error; a member that cannot persist must stop
        LOG.error("raft loop failed; this member stops", e);
        running = false;
      }
    }
  }

  /** One ReadIndex round for every read queued since the last: etcd batches them the same way. */
  private void issueReads() {
    if (readsToIssue.isEmpty() || leader == 0) {
      return;
    }
    ByteString ctx = ByteString.copyFrom(ByteBuffer.allocate(8).putLong(++readSeq).array());
    readsIssued.put(ctx, new ArrayList<>(readsToIssue));
    readsToIssue.clear();
    node.readIndex(ctx);
  }

  private void handle(Ready rd) throws Exception {
    SoftState ss = rd.softState();
    if (ss != null) {
      long newLeader = ss.leader();
      if (newLeader != leader) {
        leader = newLeader;
        listener.leaderChanged(newLeader);
        // etcd fails linearizable reads caught in a leader change with "leader changed"
        // (clients retry them); a read issued to a lost leadership would never be answered
        readsIssued.values().forEach(l -> l.forEach(f -> f.completeExceptionally(
            io.cairn.server.api.EtcdErrors.unavailable(LEADER_CHANGED))));
        readsIssued.clear();
        leaderChanges++;
      }
    }
    if (rd.snapshot() != null) {
      // The store already holds the snapshot's data (installSnapshot swapped it in before stepping
      // the MsgSnap); record the configuration it carries.
      confState = rd.snapshot().getMetadata().getConfState();
    }
    io.cairn.server.peer.PeerTransport t = transport;
    if (t != null) {
      t.send(rd.messages()); // may leave before the persist
    }
    log.persist(rd);
    if (rd.hardState() != null) {
      term = rd.hardState().getTerm();
      commitIndex = rd.hardState().getCommit();
    }
    if (t != null) {
      t.send(rd.messagesAfterPersist()); // votes and append acks: only once durable
    }
    if (!rd.committedEntries().isEmpty()) {
      apply.submit(rd.committedEntries());
    }
    for (ReadState rs : rd.readStates()) {
      List<CompletableFuture<Void>> waiting = readsIssued.remove(rs.requestCtx());
      if (waiting != null) {
        waiting.forEach(f -> apply.whenApplied(rs.index(), f));
      }
    }
    node.advance();
  }

  boolean isLeader() {
    return leader == id;
  }

  @Override
  public void close() {
    // no interrupt: the loop polls with a timeout, and an interrupt during file I/O would close the channel
    running = false;
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
