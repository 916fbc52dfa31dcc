package io.cairn.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.raftpb.ConfChange;
import io.cairn.proto.raftpb.ConfChangeType;
import io.cairn.proto.raftpb.ConfState;
import io.cairn.proto.raftpb.HardState;
import io.cairn.proto.serverpb.MemberRecord;
import io.cairn.raft.ProgressState;
import io.cairn.raft.SoftState;
import io.cairn.raft.StateRole;
import io.cairn.raft.Status;
import io.cairn.server.cluster.ClusterMembers;
import io.cairn.server.cluster.MemberInfo;
import io.cairn.server.cluster.Membership;
import io.cairn.server.cluster.MembershipProposer;
import io.cairn.server.config.FlagParser;
import io.cairn.server.config.ServerConfig;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * AutoPromoteLearners' decision, deterministic: no threads, no clock, no Raft. A fake leader (its membership, its Raft
 * status with every member's match index) and the proposals it receives. The learner is promoted exactly when
 * MemberPromote would accept it: match index at least 90% of the leader's, and under --strict-reconfig-check enough
 * started voters; never on a follower, never without a learner, and not at all unless the feature gate is set.
 */
class LearnerAutoPromotionTest {
  static final long LEADER = 0xa1, VOTER2 = 0xa2, VOTER3 = 0xa3, LEARNER = 0xb4;

  /** The raft side of one member: what it has applied and what it was asked to propose. */
  static final class FakeRaft implements MembershipProposer {
    final Membership membership;
    long leader = LEADER;
    final long self;
    final List<ConfChange> proposed = new ArrayList<>();
    /** Completes each proposal; left pending to model one still on its way through Raft. */
    CompletableFuture<List<MemberRecord>> answer = CompletableFuture.completedFuture(List.of());

    FakeRaft(long self, List<MemberRecord> members) {
      this.self = self;
      this.membership = Membership.fromSnapshot(io.cairn.proto.serverpb.Membership.newBuilder()
          .addAllMembers(members).build().toByteString());
    }

    @Override
    public Membership membership() {
      return membership;
    }

    @Override
    public CompletableFuture<List<MemberRecord>> changeMembership(ConfChange cc) {
      proposed.add(cc);
      return answer;
    }

    @Override
    public CompletableFuture<Status> raftStatus() {
      throw new AssertionError("the automatic pass is given the status; it does not ask for it");
    }

    @Override
    public long leaderId() {
      return leader;
    }

    @Override
    public long memberId() {
      return self;
    }
  }

  static MemberRecord voter(long id, boolean started) {
    return MemberRecord.newBuilder().setId(id).setName(started ? "m" + Long.toHexString(id) : "")
        .addPeerUrls("http://127.0.0.1:" + (20000 + id)).build();
  }

  static MemberRecord learner(long id) {
    return MemberRecord.newBuilder().setId(id).setName("learner").setIsLearner(true)
        .addPeerUrls("http://127.0.0.1:" + (20000 + id)).build();
  }

  /** The leader's status: its own match index and the learner's (voters in sync). */
  static Status leaderStatus(long leaderMatch, long learnerMatch) {
    Map<Long, Status.PeerProgress> progress = new LinkedHashMap<>();
    progress.put(LEADER, new Status.PeerProgress(leaderMatch, leaderMatch + 1, ProgressState.REPLICATE, false, true));
    progress.put(VOTER2, new Status.PeerProgress(leaderMatch, leaderMatch + 1, ProgressState.REPLICATE, false, true));
    progress.put(VOTER3, new Status.PeerProgress(leaderMatch, leaderMatch + 1, ProgressState.REPLICATE, false, true));
    progress.put(LEARNER, new Status.PeerProgress(learnerMatch, learnerMatch + 1, ProgressState.REPLICATE, true,
        true));
    return new Status(LEADER, HardState.newBuilder().setTerm(2).setCommit(leaderMatch).build(),
        new SoftState(LEADER, StateRole.LEADER), leaderMatch, 0,
        ConfState.newBuilder().addVoters(LEADER).addVoters(VOTER2).addVoters(VOTER3).addLearners(LEARNER).build(),
        progress);
  }

  static Status followerStatus(long match) {
    return new Status(VOTER2, HardState.newBuilder().setTerm(2).setCommit(match).build(),
        new SoftState(LEADER, StateRole.FOLLOWER), match, 0, ConfState.getDefaultInstance(), Map.of());
  }

  final List<MemberRecord> threeVotersAndALearner = List.of(voter(LEADER, true), voter(VOTER2, true),
      voter(VOTER3, true), learner(LEARNER));

  static LearnerAutoPromotion promotion(FakeRaft raft, boolean strict) {
    ClusterMembers members = new ClusterMembers(new MemberInfo(raft.self, "m" + Long.toHexString(raft.self),
        List.of(URI.create("http://127.0.0.1:" + (20000 + raft.self))), List.of(), false));
    members.attach(raft.membership(), null);
    MembershipChanges changes = new MembershipChanges(raft, members, "token", strict,
        io.cairn.server.loop.Clock.SYSTEM);
    return new LearnerAutoPromotion(changes, raft, Runnable::run);
  }

  static void assertPromotedTheLearner(FakeRaft raft) throws Exception {
    assertThat(raft.proposed).hasSize(1);
    ConfChange cc = raft.proposed.get(0);
    // MemberPromote's ConfChange: the learner added as a voter, its record no longer a learner's
    assertThat(cc.getType()).isEqualTo(ConfChangeType.ADD_NODE);
    assertThat(cc.getNodeId()).isEqualTo(LEARNER);
    MemberRecord rec = MemberRecord.parseFrom(cc.getContext());
    assertThat(rec.getId()).isEqualTo(LEARNER);
    assertThat(rec.getIsLearner()).isFalse();
    assertThat(rec.getPeerUrlsList()).containsExactly("http://127.0.0.1:" + (20000 + LEARNER));
  }

  @Test
  void promotesOnceTheLearnerHasNinetyPercentOfTheLeadersIndexAndNotBefore() throws Exception {
    FakeRaft raft = new FakeRaft(LEADER, threeVotersAndALearner);
    LearnerAutoPromotion auto = promotion(raft, true);
    for (long match : new long[] {0, 1, 500, 899}) {
      assertThat(auto.pass(leaderStatus(1000, match)).get()).as("learner at %d of 1000", match).isZero();
    }
    assertThat(raft.proposed).isEmpty();
    assertThat(auto.pass(leaderStatus(1000, 900)).get()).isEqualTo(LEARNER); // exactly 90%
    assertPromotedTheLearner(raft);
  }

  @Test
  void theThresholdIsNinetyPercentOfTheLeadersMatchWhateverItIs() throws Exception {
    // 90% of 10 is 9; 8 is not enough, 10 (in sync) is
    FakeRaft behind = new FakeRaft(LEADER, threeVotersAndALearner);
    assertThat(promotion(behind, true).pass(leaderStatus(10, 8)).get()).isZero();
    assertThat(behind.proposed).isEmpty();
    FakeRaft inSync = new FakeRaft(LEADER, threeVotersAndALearner);
    assertThat(promotion(inSync, true).pass(leaderStatus(10, 10)).get()).isEqualTo(LEARNER);
    assertPromotedTheLearner(inSync);
    // a learner the leader's progress does not hold yet (its addition not applied by Raft) is not ready
    FakeRaft unknown = new FakeRaft(LEADER, threeVotersAndALearner);
    Status st = leaderStatus(10, 10);
    Map<Long, Status.PeerProgress> without = new LinkedHashMap<>(st.progress());
    without.remove(LEARNER);
    assertThat(promotion(unknown, true).pass(new Status(st.id(), st.hardState(), st.softState(), st.applied(), 0,
        st.config(), without)).get()).isZero();
    assertThat(unknown.proposed).isEmpty();
  }

  @Test
  void strictReconfigCheckRefusesWhileTooFewVotersHaveStarted() throws Exception {
    // 3 voters, 2 never started: the learner counts as started, 2 started of 4 after the promotion < quorum 3
    List<MemberRecord> twoUnstarted = List.of(voter(LEADER, true), voter(VOTER2, false), voter(VOTER3, false),
        learner(LEARNER));
    FakeRaft strict = new FakeRaft(LEADER, twoUnstarted);
    assertThat(promotion(strict, true).pass(leaderStatus(1000, 1000)).get()).isZero();
    assertThat(strict.proposed).isEmpty();
    // the same cluster without --strict-reconfig-check promotes, as etcd's MemberPromote would
    FakeRaft lax = new FakeRaft(LEADER, twoUnstarted);
    assertThat(promotion(lax, false).pass(leaderStatus(1000, 1000)).get()).isEqualTo(LEARNER);
    assertPromotedTheLearner(lax);
    // one voter down of three: 3 started of 4 is a quorum
    FakeRaft oneDown = new FakeRaft(LEADER, List.of(voter(LEADER, true), voter(VOTER2, true), voter(VOTER3, false),
        learner(LEARNER)));
    assertThat(promotion(oneDown, true).pass(leaderStatus(1000, 1000)).get()).isEqualTo(LEARNER);
    assertPromotedTheLearner(oneDown);
  }

  @Test
  void aManualPromoteIsRefusedByTheSameStrictReconfigCheck() {
    FakeRaft strict = new FakeRaft(LEADER, List.of(voter(LEADER, true), voter(VOTER2, false), voter(VOTER3, false),
        learner(LEARNER)));
    ClusterMembers members = new ClusterMembers(new MemberInfo(LEADER, "ma1", List.of(), List.of(), false));
    members.attach(strict.membership(), null);
    MembershipChanges changes = new MembershipChanges(strict, members, "token", true,
        io.cairn.server.loop.Clock.SYSTEM);
    long started = changes.startedVotersForPromote();
    assertThat(started).isEqualTo(1);
    assertThat(changes.promoteRefusal(leaderStatus(1000, 1000), LEARNER, started))
        .isEqualTo(EtcdErrors.NOT_ENOUGH_STARTED);
    assertThat(changes.promoteRefusal(leaderStatus(1000, 899), LEARNER, started))
        .isEqualTo(EtcdErrors.LEARNER_NOT_READY);
    assertThat(changes.promoteRefusal(followerStatus(1000), LEARNER, started)).isEqualTo(EtcdErrors.NOT_LEADER);
  }

  @Test
  void aFollowerNeverPromotes() throws Exception {
    // the member thinks another member leads (a stale tick after losing leadership)
    FakeRaft follower = new FakeRaft(LEADER, threeVotersAndALearner);
    follower.leader = VOTER2;
    assertThat(promotion(follower, true).pass(leaderStatus(1000, 1000)).get()).isZero();
    assertThat(follower.proposed).isEmpty();
    // or Raft's status is a follower's: no progress to judge by
    FakeRaft noProgress = new FakeRaft(VOTER2, threeVotersAndALearner);
    noProgress.leader = VOTER2;
    assertThat(promotion(noProgress, true).pass(followerStatus(1000)).get()).isZero();
    assertThat(noProgress.proposed).isEmpty();
  }

  @Test
  void nothingHappensWithoutALearner() throws Exception {
    FakeRaft raft = new FakeRaft(LEADER, List.of(voter(LEADER, true), voter(VOTER2, true), voter(VOTER3, true)));
    assertThat(promotion(raft, true).pass(leaderStatus(1000, 1000)).get()).isZero();
    assertThat(raft.proposed).isEmpty();
  }

  @Test
  void onePromotionAtATimeWhileItIsOnItsWayThroughRaft() throws Exception {
    FakeRaft raft = new FakeRaft(LEADER, threeVotersAndALearner);
    raft.answer = new CompletableFuture<>();
    LearnerAutoPromotion auto = promotion(raft, true);
    auto.leaderTick(leaderStatus(1000, 1000));
    auto.leaderTick(leaderStatus(1001, 1001));
    auto.leaderTick(leaderStatus(1002, 1002));
    assertThat(raft.proposed).hasSize(1);
    // applied: the next tick may look again (the membership here still shows the learner, so it proposes again;
    // on a real member the applied promotion has made it a voter by then)
    raft.answer.complete(List.of());
    auto.leaderTick(leaderStatus(1003, 1003));
    assertThat(raft.proposed).hasSize(2);
  }

  @Test
  void aFailedProposalIsNotAPromotionAndIsTriedAgain() throws Exception {
    FakeRaft raft = new FakeRaft(LEADER, threeVotersAndALearner);
    raft.answer = CompletableFuture.failedFuture(EtcdErrors.unavailable(EtcdErrors.TIMEOUT));
    LearnerAutoPromotion auto = promotion(raft, true);
    assertThat(auto.pass(leaderStatus(1000, 1000)).get()).isZero();
    auto.leaderTick(leaderStatus(1000, 1000));
    assertThat(raft.proposed).hasSize(2);
  }

  @Test
  void offByDefaultOnWithTheFeatureGate() throws Exception {
    assertThat(config().autoPromoteLearners).isFalse();
    assertThat(config("--feature-gates=AutoPromoteLearners=true").autoPromoteLearners).isTrue();
    assertThat(config("--feature-gates", "CompactHashCheck=true,AutoPromoteLearners=true").autoPromoteLearners)
        .isTrue();
    assertThat(config("--feature-gates=AutoPromoteLearners=false").autoPromoteLearners).isFalse();
    assertThat(config("--feature-gates=CompactHashCheck=true").autoPromoteLearners).isFalse();
    assertThat(ServerConfig.from(FlagParser.parse(new String[0],
        Map.of("ETCD_FEATURE_GATES", "AutoPromoteLearners=true"), w -> { }).values()).autoPromoteLearners).isTrue();
  }

  static ServerConfig config(String... args) throws Exception {
    return ServerConfig.from(FlagParser.parse(args, Map.of(), w -> { }).values());
  }
}
