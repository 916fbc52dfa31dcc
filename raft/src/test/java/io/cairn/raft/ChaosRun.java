package io.cairn.raft;

import com.google.protobuf.ByteString;
import java.util.SplittableRandom;

/**
 * A small randomized driver over {@link TestEnv} for the paper-property tests: random ticks,
 * out-of-order delivery, drops, duplicates, isolation, proposals, compaction and restarts
 * (which lose whatever was not yet handed out in a Ready). Every step is one input, so a
 * property can be checked between any two inputs.
 */
final class ChaosRun {
  final TestEnv env;
  final SplittableRandom rnd;
  private final int size;
  private int proposals;

  ChaosRun(long seed, int size) {
    this.rnd = new SplittableRandom(seed);
    this.size = size;
    boolean preVote = rnd.nextBoolean();
    boolean checkQuorum = rnd.nextBoolean();
    long seedBase = rnd.nextLong();
    long[] node = {0}; // nodes are added in id order: each gets seedBase + its id, the same in every JVM
    this.env = TestEnv.cluster(size, b -> b.preVote(preVote).checkQuorum(checkQuorum)
        .maxSizePerMsg(16).maxInflightMsgs(4).random(RandomSource.seeded(seedBase + ++node[0])));
  }

  private long anyNode() {
    return 1 + rnd.nextInt(size);
  }

  void step() {
    int a = rnd.nextInt(100);
    long id = anyNode();
    if (a < 25) {
      env.node(id).rn.tick();
    } else if (a < 60) {
      if (!env.queue.isEmpty()) {
        env.deliverAt(rnd.nextInt(Math.min(env.queue.size(), 4)));
      }
    } else if (a < 82) {
      env.processReady(id);
    } else if (a < 90) {
      try {
        env.node(id).rn.propose(ByteString.copyFromUtf8("p" + (++proposals)));
      } catch (RaftException e) {
        // dropped: no leader known, or a transfer in progress
      }
    } else if (a < 93) {
      if (!env.queue.isEmpty()) {
        env.queue.remove(rnd.nextInt(env.queue.size()));
      }
    } else if (a < 94) {
      if (!env.queue.isEmpty()) {
        env.queue.add(env.queue.get(rnd.nextInt(env.queue.size())));
      }
    } else if (a < 96) {
      if (rnd.nextBoolean()) {
        env.isolate(id);
      } else {
        env.heal();
      }
    } else if (a < 97 && rnd.nextInt(4) == 0) {
      env.restart(id);
    } else if (a < 99) {
      TestEnv.Node n = env.node(id);
      long snap = n.storage.snapshot().getMetadata().getIndex();
      if (n.appliedIndex > snap && n.appliedIndex <= n.storage.lastIndex()) {
        SnapshotTest.snapshotAndCompact(env, id);
      }
    } else {
      try {
        env.node(id).rn.transferLeader(anyNode());
      } catch (RaftException e) {
        // ignored
      }
    }
  }
}
