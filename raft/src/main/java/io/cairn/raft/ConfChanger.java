package io.cairn.raft;

import io.cairn.proto.raftpb.ConfChangeSingle;
import io.cairn.proto.raftpb.ConfChangeType;
import io.cairn.proto.raftpb.ConfState;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Computes a new (config, progress) pair from the tracker's current one without modifying it:
 * simple changes (at most one voter at a time), entering and leaving joint consensus, and
 * restoring a configuration from a {@link ConfState}. Every result is checked against the
 * {@link TrackerConfig} invariants.
 */
final class ConfChanger {
  /** A proposed configuration and its progress map. */
  record Result(TrackerConfig config, TreeMap<Long, Progress> progress) {}

  private final ProgressTracker tracker;
  private final long lastIndex;

  ConfChanger(ProgressTracker tracker, long lastIndex) {
    this.tracker = tracker;
    this.lastIndex = lastIndex;
  }

  /** Enters a joint config: the current voters become outgoing, the changes apply to incoming. */
  Result enterJoint(boolean autoLeave, List<ConfChangeSingle> ccs) {
    Result r = checkAndCopy();
    TrackerConfig cfg = r.config;
    if (cfg.voters.isJoint()) {
      throw invalid("config is already joint");
    }
    if (cfg.voters.incoming.size() == 0) {
      throw invalid("can't make a zero-voter config joint");
    }
    cfg.voters.outgoing.ids.clear();
    cfg.voters.outgoing.ids.addAll(cfg.voters.incoming.ids);
    apply(r, ccs);
    cfg.autoLeave = autoLeave;
    return checkAndReturn(r);
  }

  /** Leaves a joint config: demoted voters become learners, outgoing-only nodes are dropped. */
  Result leaveJoint() {
    Result r = checkAndCopy();
    TrackerConfig cfg = r.config;
    if (!cfg.voters.isJoint()) {
      throw invalid("can't leave a non-joint config");
    }
    for (long id : cfg.learnersNext) {
      cfg.learners.add(id);
      r.progress.get(id).isLearner = true;
    }
    cfg.learnersNext.clear();
    for (long id : cfg.voters.outgoing.ids) {
      if (!cfg.voters.incoming.ids.contains(id) && !cfg.learners.contains(id)) {
        r.progress.remove(id);
      }
    }
    cfg.voters.outgoing.ids.clear();
    cfg.autoLeave = false;
    return checkAndReturn(r);
  }

  /** Applies changes that alter at most one voter, outside of a joint config. */
  Result simple(List<ConfChangeSingle> ccs) {
    Result r = checkAndCopy();
    if (r.config.voters.isJoint()) {
      throw invalid("can't apply simple config change in joint config");
    }
    apply(r, ccs);
    if (symDiff(tracker.config.voters.incoming.ids, r.config.voters.incoming.ids) > 1) {
      throw invalid("more than one voter changed without entering joint config");
    }
    return checkAndReturn(r);
  }

  /** Rebuilds a config from scratch so that it matches cs (used on start-up and snapshots). */
  static Result restore(ProgressTracker fresh, ConfState cs, long lastIndex) {
    List<ConfChangeSingle> out = new ArrayList<>();
    List<ConfChangeSingle> in = new ArrayList<>();
    for (long id : cs.getVotersOutgoingList()) {
      out.add(single(ConfChangeType.ADD_NODE, id));
    }
    // Build the outgoing config first, then move to the incoming one via a joint change that
    // removes the outgoing voters and adds the incoming voters and learners.
    for (long id : cs.getVotersOutgoingList()) {
      in.add(single(ConfChangeType.REMOVE_NODE, id));
    }
    for (long id : cs.getVotersList()) {
      in.add(single(ConfChangeType.ADD_NODE, id));
    }
    for (long id : cs.getLearnersList()) {
      in.add(single(ConfChangeType.ADD_LEARNER_NODE, id));
    }
    // Learners-next are outgoing voters that are learners in the incoming config.
    for (long id : cs.getLearnersNextList()) {
      in.add(single(ConfChangeType.ADD_LEARNER_NODE, id));
    }
    Result cur = new Result(fresh.config, fresh.progress);
    if (out.isEmpty()) {
      for (ConfChangeSingle cc : in) {
        cur = step(fresh, cur, lastIndex, c -> c.simple(List.of(cc)));
      }
    } else {
      for (ConfChangeSingle cc : out) {
        cur = step(fresh, cur, lastIndex, c -> c.simple(List.of(cc)));
      }
      cur = step(fresh, cur, lastIndex, c -> c.enterJoint(cs.getAutoLeave(), in));
    }
    return cur;
  }

  private static Result step(ProgressTracker t, Result cur, long lastIndex,
      java.util.function.Function<ConfChanger, Result> f) {
    t.config = cur.config;
    t.progress = cur.progress;
    return f.apply(new ConfChanger(t, lastIndex));
  }

  static ConfChangeSingle single(ConfChangeType type, long id) {
    return ConfChangeSingle.newBuilder().setType(type).setNodeId(id).build();
  }

  private void apply(Result r, List<ConfChangeSingle> ccs) {
    for (ConfChangeSingle cc : ccs) {
      if (cc.getNodeId() == 0) {
        continue; // a cancelled change (the application zeroed the node id)
      }
      switch (cc.getType()) {
        case ADD_NODE -> makeVoter(r, cc.getNodeId());
        case ADD_LEARNER_NODE -> makeLearner(r, cc.getNodeId());
        case REMOVE_NODE -> remove(r, cc.getNodeId());
        case UPDATE_NODE -> { }
        default -> throw invalid("unexpected conf change type " + cc.getType());
      }
    }
    if (r.config.voters.incoming.size() == 0) {
      throw invalid("removed all voters");
    }
  }

  private void makeVoter(Result r, long id) {
    Progress pr = r.progress.get(id);
    if (pr == null) {
      initProgress(r, id, false);
      return;
    }
    pr.isLearner = false;
    r.config.learners.remove(id);
    r.config.learnersNext.remove(id);
    r.config.voters.incoming.ids.add(id);
  }

  /**
   * Makes id a learner. A voter that is still in the outgoing config cannot be a learner yet
   * (voters and learners are disjoint), so it goes to learnersNext until the joint config is left.
   */
  private void makeLearner(Result r, long id) {
    Progress pr = r.progress.get(id);
    if (pr == null) {
      initProgress(r, id, true);
      return;
    }
    if (pr.isLearner) {
      return;
    }
    remove(r, id);
    r.progress.put(id, pr); // keep its progress
    if (r.config.voters.outgoing.ids.contains(id)) {
      r.config.learnersNext.add(id);
    } else {
      pr.isLearner = true;
      r.config.learners.add(id);
    }
  }

  private void remove(Result r, long id) {
    if (!r.progress.containsKey(id)) {
      return;
    }
    r.config.voters.incoming.ids.remove(id);
    r.config.learners.remove(id);
    r.config.learnersNext.remove(id);
    // Still needed for the outgoing majority while joint.
    if (!r.config.voters.outgoing.ids.contains(id)) {
      r.progress.remove(id);
    }
  }

  private void initProgress(Result r, long id, boolean learner) {
    if (learner) {
      r.config.learners.add(id);
    } else {
      r.config.voters.incoming.ids.add(id);
    }
    // Probe the new member with our last entry (next = lastIndex, so there is something to
    // send right away); it backtracks from there. Treat it as active so that check-quorum does
    // not immediately count it against the leader.
    Progress pr = new Progress(0, Math.max(1, lastIndex), tracker.newInflights(), learner);
    pr.recentActive = true;
    r.progress.put(id, pr);
  }

  private Result checkAndCopy() {
    TreeMap<Long, Progress> prs = new TreeMap<>();
    tracker.progress.forEach((id, pr) -> prs.put(id, pr.copy()));
    Result r = new Result(tracker.config.copy(), prs);
    check(r);
    return r;
  }

  private static Result checkAndReturn(Result r) {
    check(r);
    return r;
  }

  private static void check(Result r) {
    TrackerConfig cfg = r.config;
    for (long id : cfg.voters.ids()) {
      if (!r.progress.containsKey(id)) {
        throw invalid("no progress for voter " + id);
      }
    }
    for (long id : cfg.learners) {
      Progress pr = r.progress.get(id);
      if (pr == null) {
        throw invalid("no progress for learner " + id);
      }
      if (cfg.voters.outgoing.ids.contains(id) || cfg.voters.incoming.ids.contains(id)) {
        throw invalid(id + " is in learners and voters");
      }
      if (!pr.isLearner) {
        throw invalid(id + " is in learners but is not marked as learner");
      }
    }
    for (long id : cfg.learnersNext) {
      Progress pr = r.progress.get(id);
      if (pr == null) {
        throw invalid("no progress for learner-next " + id);
      }
      if (!cfg.voters.outgoing.ids.contains(id)) {
        throw invalid(id + " is in learners-next but not outgoing voters");
      }
      if (pr.isLearner) {
        throw invalid(id + " is in learners-next but already marked as learner");
      }
    }
    if (!cfg.voters.isJoint()) {
      if (!cfg.learnersNext.isEmpty()) {
        throw invalid("learners-next must be empty when not joint");
      }
      if (cfg.autoLeave) {
        throw invalid("autoLeave must be false when not joint");
      }
    }
  }

  private static int symDiff(Set<Long> a, Set<Long> b) {
    TreeSet<Long> d = new TreeSet<>(a);
    d.removeAll(b);
    TreeSet<Long> e = new TreeSet<>(b);
    e.removeAll(a);
    return d.size() + e.size();
  }

  private static RaftException invalid(String msg) {
    return new RaftException(RaftException.Code.INVALID_CONFIG, msg);
  }
}
