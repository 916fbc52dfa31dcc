package io.cairn.server.api;

import io.cairn.proto.serverpb.MemberRecord;
import io.cairn.raft.Status;
import io.cairn.server.cluster.MemberIds;
import io.cairn.server.cluster.MembershipProposer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --feature-gates=AutoPromoteLearners=true} (etcd 3.8's design, alpha and unreleased there; a Cairn extension
 * of the 3.7 API): the leader promotes a learner on its own as soon as {@code etcdctl member promote} would succeed,
 * i.e. once the learner's match index is at least 90% of the leader's and, under {@code --strict-reconfig-check},
 * enough voters have started. The decision is {@link MembershipChanges#promoteRefusal} and the promotion
 * {@link MembershipChanges#proposePromotion}, exactly MemberPromote's; only a refusal is not an error here but a
 * "not yet".
 *
 * <p>Driven by the leader's raft loop ({@link #leaderTick}, every check period while it leads, with the status Raft
 * has just computed); the pass itself runs on {@code executor}, since counting started members may ask a peer. One
 * pass at a time: none starts while a promotion is still on its way through Raft.
 */
public final class LearnerAutoPromotion {
  private static final Logger LOG = LoggerFactory.getLogger(LearnerAutoPromotion.class);

  private final MembershipChanges changes;
  private final MembershipProposer raft;
  private final Executor executor;
  private final AtomicBoolean busy = new AtomicBoolean();

  public LearnerAutoPromotion(MembershipChanges changes, MembershipProposer raft, Executor executor) {
    this.changes = changes;
    this.raft = raft;
    this.executor = executor;
  }

  /** On the raft thread, while this member leads: hands a pass over {@code st} to the executor, unless one runs. */
  public void leaderTick(Status st) {
    if (!busy.compareAndSet(false, true)) {
      return;
    }
    try {
      executor.execute(() -> pass(st).whenComplete((id, err) -> busy.set(false)));
    } catch (RejectedExecutionException stopping) {
      busy.set(false);
    }
  }

  /**
   * One pass: the learner (etcd allows one) that MemberPromote would promote now, given the leader's status
   * {@code st}, is promoted. Completes with its id once the promotion is applied here, with 0 when there was none to
   * promote or it failed (tried again at the next pass). Never completes exceptionally.
   */
  CompletableFuture<Long> pass(Status st) {
    try {
      if (raft.leaderId() != raft.memberId()) {
        return CompletableFuture.completedFuture(0L);
      }
      for (MemberRecord r : raft.membership().members()) {
        if (!r.getIsLearner()) {
          continue;
        }
        String refused = changes.promoteRefusal(st, r.getId(), changes.startedVotersForPromote());
        if (refused != null) {
          LOG.debug("learner {} not promoted yet: {}", MemberIds.hex(r.getId()), refused);
          continue;
        }
        long learnerMatch = st.progress().get(r.getId()).match();
        long leaderMatch = st.progress().get(st.id()).match();
        return changes.proposePromotion(r).handle((ok, err) -> {
          if (err != null) {
            LOG.warn("promoting learner {} failed (tried again later): {}", MemberIds.hex(r.getId()), err.toString());
            return 0L;
          }
          LOG.atInfo().addKeyValue("promoted-member-id", MemberIds.hex(r.getId()))
              .addKeyValue("learner-match-index", learnerMatch).addKeyValue("leader-match-index", leaderMatch)
              .log("promoted learner member automatically (AutoPromoteLearners)");
          return r.getId();
        });
      }
      return CompletableFuture.completedFuture(0L);
    } catch (RuntimeException e) {
      LOG.warn("automatic learner promotion check failed: {}", e.toString());
      return CompletableFuture.completedFuture(0L);
    }
  }
}
