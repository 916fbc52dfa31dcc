package io.cairn.raft.bench;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.ConfState;
import io.cairn.proto.raftpb.Message;
import io.cairn.raft.MemoryRaftStorage;
import io.cairn.raft.RaftConfig;
import io.cairn.raft.RandomSource;
import io.cairn.raft.RawNode;
import io.cairn.raft.Ready;
import io.cairn.raft.StateRole;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The core's hot path for a 3-node leader under proposal load: propose a batch of 256-byte entries
 * on the leader, then run step/ready/advance on all three nodes (in memory, no I/O) until the
 * batch is committed and applied everywhere. The score is entries per second.
 * Run with scripts/raft-bench.sh.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class RaftHotPathBench {
  @Param({"1", "64"})
  public int batch;

  private final RawNode[] nodes = new RawNode[3];
  private final MemoryRaftStorage[] disks = new MemoryRaftStorage[3];
  private final ArrayDeque<Message> net = new ArrayDeque<>();
  private final long[] applied = new long[3];
  private ByteString payload;
  private int leader;

  @Setup(Level.Trial)
  public void setUp() {
    ConfState cs = ConfState.newBuilder().addVoters(1).addVoters(2).addVoters(3).build();
    for (int i = 0; i < 3; i++) {
      disks[i] = MemoryRaftStorage.bootstrap(cs);
      nodes[i] = new RawNode(RaftConfig.builder(i + 1).electionTick(10).heartbeatTick(1)
          .maxInflightMsgs(256).random(RandomSource.seeded(i + 1)).build(), disks[i]);
    }
    payload = ByteString.copyFrom(new byte[256]);
    nodes[0].campaign();
    pump();
    for (int i = 0; i < 3; i++) {
      if (nodes[i].status().softState().role() == StateRole.LEADER) {
        leader = i;
      }
    }
  }

  @Benchmark
  public long proposeAndCommit() {
    List<ByteString> entries = new ArrayList<>(batch);
    for (int i = 0; i < batch; i++) {
      entries.add(payload);
    }
    long target = disks[leader].lastIndex() + batch;
    if (batch == 1) {
      nodes[leader].propose(payload);
    } else {
      nodes[leader].propose(entries);
    }
    pump();
    if (applied[0] < target || applied[1] < target || applied[2] < target) {
      throw new IllegalStateException("batch not applied everywhere");
    }
    return target;
  }

  /** Runs every node's Ready cycle and delivers messages until nothing is left to do. */
  private void pump() {
    boolean busy = true;
    while (busy) {
      busy = false;
      for (int i = 0; i < 3; i++) {
        while (nodes[i].hasReady()) {
          busy = true;
          Ready rd = nodes[i].ready();
          if (rd.hardState() != null) {
            disks[i].setHardState(rd.hardState());
          }
          disks[i].append(rd.entries());
          net.addAll(rd.messages());
          net.addAll(rd.messagesAfterPersist());
          if (!rd.committedEntries().isEmpty()) {
            applied[i] = rd.committedEntries().get(rd.committedEntries().size() - 1).getIndex();
          }
          nodes[i].advance();
        }
      }
      while (!net.isEmpty()) {
        busy = true;
        Message m = net.poll();
        nodes[(int) m.getTo() - 1].step(m);
      }
    }
  }
}
