package io.cairn.server.raft;

import io.cairn.raft.SoftState;
import io.cairn.raft.StateRole;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs role and leader changes in etcd's raft words, one line each: "<id> is starting a new election at term N",
 * "<id> became candidate at term N", "<id> became leader at term N", "raft.node: <id> elected leader <id> at term N",
 * "raft.node: <id> lost leader <id> at term N". The raft module is pure (no logging), so they are read here from
 * each Ready's soft state; the term is the one the Ready persists, or the current one.
 */
final class RaftTransitions {
  private static final Logger LOG = LoggerFactory.getLogger(RaftTransitions.class);

  private final String id;
  private StateRole role = StateRole.FOLLOWER;
  private long leader;

  RaftTransitions(long id) {
    this.id = Long.toHexString(id);
  }

  void observe(SoftState ss, long term) {
    if (ss == null) {
      return;
    }
    if (ss.role() != role) {
      StateRole before = role;
      role = ss.role();
      switch (role) {
        case PRE_CANDIDATE -> {
          LOG.info("{} is starting a new election at term {}", id, term);
          LOG.info("{} became pre-candidate at term {}", id, term);
        }
        case CANDIDATE -> {
          if (before != StateRole.PRE_CANDIDATE) {
            LOG.info("{} is starting a new election at term {}", id, term - 1);
          }
          LOG.info("{} became candidate at term {}", id, term);
        }
        case LEADER -> LOG.info("{} became leader at term {}", id, term);
        case FOLLOWER -> LOG.info("{} became follower at term {}", id, term);
      }
    }
    if (ss.leader() != leader) {
      long old = leader;
      leader = ss.leader();
      if (leader != 0) {
        if (old == 0) {
          LOG.info("raft.node: {} elected leader {} at term {}", id, Long.toHexString(leader), term);
        } else {
          LOG.info("raft.node: {} changed leader from {} to {} at term {}", id, Long.toHexString(old),
              Long.toHexString(leader), term);
        }
      } else {
        LOG.info("raft.node: {} lost leader {} at term {}", id, Long.toHexString(old), term);
      }
    }
  }
}
