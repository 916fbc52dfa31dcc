package io.cairn.server.it;

import java.util.Map;
import java.util.Random;

/**
 * The faults of a robustness campaign, each injected into a live 3-member cluster while traffic runs, then healed.
 * The cluster runs with --snapshot-count 100 and 50 catch-up entries, so a member that falls behind is caught up by
 * a snapshot, not only by the log: the path where snapshots used to roll a store back.
 */
enum Scenario {
  KILL_FOLLOWER {
    @Override
    void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception {
      Member m = c.members.get(c.follower(rnd));
      m.kill();
      wait.run();
      m.startProcess();
    }
  },
  KILL_LEADER {
    @Override
    void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception {
      Member m = c.members.get(c.leader());
      m.kill();
      wait.run();
      m.startProcess();
    }
  },
  /** The reproduction: a follower paused while writes go on, resumed, then leadership moves away. */
  PAUSE_FOLLOWER_THEN_MOVE_LEADER {
    @Override
    void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception {
      int leader = c.leader();
      int paused = c.follower(rnd);
      c.members.get(paused).pause();
      wait.run();
      c.members.get(paused).resume();
      int other = 3 - leader - paused;
      new Etcdctl(c.members.get(leader).endpoint()).run("move-leader", c.id(other));
    }
  },
  PAUSE_LEADER {
    @Override
    void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception {
      Member m = c.members.get(c.leader());
      m.pause();
      wait.run();
      m.resume();
    }
  },
  PARTITION_LEADER {
    @Override
    void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception {
      c.isolate(c.leader());
      wait.run();
      c.heal();
    }
  },
  PARTITION_FOLLOWER {
    @Override
    void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception {
      c.isolate(c.follower(rnd));
      wait.run();
      c.heal();
    }
  },
  /** The leader can no longer reach one follower, which still reaches the leader. */
  ONE_WAY_PARTITION {
    @Override
    void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception {
      c.dropOneWay(c.leader(), c.follower(rnd));
      wait.run();
      c.heal();
    }
  },
  SLOW_LEADER_LINKS {
    @Override
    void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception {
      c.slowLinks(c.leader(), 30);
      wait.run();
      c.heal();
    }
  },
  /** Member 3 halts (as a crash at that instant would) right after its 400th WAL write; restarted, it halts again. */
  CRASH_AFTER_WAL_SAVE {
    @Override
    Map<Integer, String> failpoints() {
      return Map.of(2, "raftAfterSave=400*panic");
    }

    @Override
    void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception {
      wait.run();
      c.restartDead();
    }
  },
  /** Member 2 halts between writing an applied batch and answering its clients. */
  CRASH_AFTER_APPLY {
    @Override
    Map<Integer, String> failpoints() {
      return Map.of(1, "applyAfterCommit=300*panic");
    }

    @Override
    void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception {
      wait.run();
      c.restartDead();
    }
  };

  /** Failpoints by member index, set in its environment at start. */
  Map<Integer, String> failpoints() {
    return Map.of();
  }

  /** Injects the fault, lets it last ({@code wait}), and heals it. */
  abstract void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception;
}
