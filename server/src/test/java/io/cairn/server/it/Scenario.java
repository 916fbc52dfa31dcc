package io.cairn.server.it;

import java.util.List;
import java.util.Map;
import java.util.Random;
import io.cairn.server.robustness.TrafficRun;

/**
 * The faults of a robustness campaign, each injected into a live 3- or 5-member cluster while traffic runs, then
 * healed.
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
  /** A follower loses power: what it had not fsynced is gone when it comes back. */
  POWER_LOSS_FOLLOWER {
    @Override
    void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception {
      c.powerLoss(List.of(c.follower(rnd)));
      wait.run();
      c.restartDead();
    }
  },
  /** Every member loses power at once: only what was fsynced survives, and every acknowledged write must. */
  POWER_LOSS_ALL {
    @Override
    void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception {
      c.powerLoss(List.of(0, 1, 2));
      c.restartDead();
      wait.run();
    }
  },
  /** A follower is removed under load and a new member takes its place (etcd's replacement procedure). */
  REPLACE_FOLLOWER {
    @Override
    void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception {
      c.replace(c.follower(rnd));
      wait.run();
    }
  },
  /** Compaction every 200 ms (keeping 100 revisions) while the leader is killed and restarted. */
  COMPACTION_AND_LEADER_KILL {
    @Override
    int compactEveryMs() {
      return 200;
    }

    @Override
    void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception {
      KILL_LEADER.inject(c, rnd, wait);
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
      awaitFailpointHalt(c.members.get(2));
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
      awaitFailpointHalt(c.members.get(1));
      wait.run();
      c.restartDead();
    }
  },
  /** Kubernetes-shaped traffic (CAS updates, lists, informers) while the leader is killed and restarted. */
  KUBERNETES_KILL_LEADER {
    @Override
    TrafficRun.Profile profile() {
      return TrafficRun.Profile.KUBERNETES;
    }

    @Override
    void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception {
      KILL_LEADER.inject(c, rnd, wait);
    }
  },
  /** Kubernetes-shaped traffic through the snapshot reproduction. */
  KUBERNETES_PAUSE_FOLLOWER_THEN_MOVE_LEADER {
    @Override
    TrafficRun.Profile profile() {
      return TrafficRun.Profile.KUBERNETES;
    }

    @Override
    void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception {
      PAUSE_FOLLOWER_THEN_MOVE_LEADER.inject(c, rnd, wait);
    }
  },
  /** Five members, two followers killed at once: the three left are a quorum and go on. */
  FIVE_KILL_TWO_FOLLOWERS {
    @Override
    int members() {
      return 5;
    }

    @Override
    void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception {
      int a = c.follower(rnd);
      int b;
      do {
        b = c.follower(rnd);
      } while (b == a);
      c.members.get(a).kill();
      c.members.get(b).kill();
      wait.run();
      c.restartDead();
    }
  },
  /** Five members, the leader and one follower cut off together: the minority must stop, the majority elect. */
  FIVE_PARTITION_LEADER_AND_FOLLOWER {
    @Override
    int members() {
      return 5;
    }

    @Override
    void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception {
      c.partition(java.util.Set.of(c.leader(), c.follower(rnd)));
      wait.run();
      c.heal();
    }
  };

  /**
   * What CI runs (fixed seeds): one scenario of each kind of fault, about 5 minutes; {@code scripts/robustness.sh}
   * runs them all.
   */
  static final java.util.Set<Scenario> CI = java.util.EnumSet.of(KILL_LEADER, PAUSE_FOLLOWER_THEN_MOVE_LEADER,
      PARTITION_LEADER, ONE_WAY_PARTITION, POWER_LOSS_ALL, REPLACE_FOLLOWER, COMPACTION_AND_LEADER_KILL,
      CRASH_AFTER_APPLY, KUBERNETES_KILL_LEADER, FIVE_PARTITION_LEADER_AND_FOLLOWER);

  /** Cluster size. */
  int members() {
    return 3;
  }

  /** The shape of the key-value traffic. */
  TrafficRun.Profile profile() {
    return TrafficRun.Profile.MIXED;
  }

  /** Compaction period of the traffic, 0 for none (watches from the first revision are then checked). */
  int compactEveryMs() {
    return 0;
  }

  /** The failpoint's panic halts its member with status 2 (a real failure would exit 1). */
  static void awaitFailpointHalt(Member m) throws Exception {
    Integer status = m.awaitExit(java.time.Duration.ofSeconds(30));
    org.assertj.core.api.Assertions.assertThat(status).as("the failpoint halted the member:%n%s", m.logText())
        .isEqualTo(2);
  }

  /** Failpoints by member index, set in its environment at start. */
  Map<Integer, String> failpoints() {
    return Map.of();
  }

  /** Injects the fault, lets it last ({@code wait}), and heals it. */
  abstract void inject(CampaignCluster c, Random rnd, Runnable wait) throws Exception;
}
