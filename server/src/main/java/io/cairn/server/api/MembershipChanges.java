package io.cairn.server.api;

import io.cairn.proto.etcdserverpb.ClusterGrpc;
import io.cairn.proto.etcdserverpb.Member;
import io.cairn.proto.etcdserverpb.MemberPromoteRequest;
import io.cairn.proto.raftpb.ConfChange;
import io.cairn.proto.raftpb.ConfChangeType;
import io.cairn.proto.serverpb.MemberRecord;
import io.cairn.server.cluster.ClusterMembers;
import io.cairn.server.cluster.MemberIds;
import io.cairn.server.cluster.MembershipProposer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * etcd's membership changes with its checks and errors: URL validation, duplicate peer URLs, one
 * learner at most, --strict-reconfig-check (never leave fewer started voters than a quorum; a promotion
 * included), and promotion only of a learner in sync with the leader. Each change is one Raft ConfChange.
 */
public final class MembershipChanges {
  private static final String BAD_URLS = EtcdErrors.BAD_URLS;
  private static final String PEER_URL_EXISTS = EtcdErrors.PEER_URL_EXISTS;
  private static final String NOT_ENOUGH_STARTED = EtcdErrors.NOT_ENOUGH_STARTED;
  private static final String TOO_MANY_LEARNERS = EtcdErrors.TOO_MANY_LEARNERS;
  private static final String NOT_LEARNER = EtcdErrors.NOT_LEARNER;
  private static final String LEARNER_NOT_READY = EtcdErrors.LEARNER_NOT_READY;
  /** etcd's readyPercentThreshold: how far a learner's log must be along the leader's to be promoted. */
  static final double READY_FRACTION = 0.9;

  private final MembershipProposer raft;
  private final ClusterMembers members;
  private final String token;
  private final boolean strict;
  /** Seeds a new member's id as etcd does (the time, so that a re-added member gets a new id). */
  private final io.cairn.server.loop.Clock clock;

  public MembershipChanges(MembershipProposer raft, ClusterMembers members, String token, boolean strictReconfigCheck,
      io.cairn.server.loop.Clock clock) {
    this.clock = clock;
    this.raft = raft;
    this.members = members;
    this.token = token;
    this.strict = strictReconfigCheck;
  }

  CompletableFuture<Member> add(List<String> peerUrls, boolean learner) {
    List<URI> urls = new ArrayList<>();
    try {
      for (String s : peerUrls) {
        URI u = new URI(s);
        if (u.getScheme() == null || u.getHost() == null || u.getPort() < 0) {
          throw new IllegalArgumentException(s);
        }
        urls.add(u);
      }
    } catch (Exception e) {
      return CompletableFuture.failedFuture(EtcdErrors.invalidArgument(BAD_URLS));
    }
    if (urls.isEmpty()) {
      return CompletableFuture.failedFuture(EtcdErrors.invalidArgument(BAD_URLS));
    }
    List<MemberRecord> current = raft.membership().members();
    for (MemberRecord r : current) {
      for (URI u : urls) {
        if (r.getPeerUrlsList().contains(u.toString())) {
          return CompletableFuture.failedFuture(EtcdErrors.failedPrecondition(PEER_URL_EXISTS));
        }
      }
    }
    if (learner && current.stream().anyMatch(MemberRecord::getIsLearner)) {
      return CompletableFuture.failedFuture(EtcdErrors.failedPrecondition(TOO_MANY_LEARNERS));
    }
    long voters = current.stream().filter(r -> !r.getIsLearner()).count();
    if (strict && !learner && startedVoters() < quorum(voters + 1)) {
      return CompletableFuture.failedFuture(EtcdErrors.failedPrecondition(NOT_ENOUGH_STARTED));
    }
    // etcd: the id of an added member also hashes the time, so re-adding the same URLs gives a new id
    long id = MemberIds.memberId(urls, token + (clock.currentTimeMillis() / 1000));
    MemberRecord rec = MemberRecord.newBuilder().setId(id).setIsLearner(learner)
        .addAllPeerUrls(urls.stream().map(URI::toString).toList()).build();
    ConfChange cc = ConfChange.newBuilder().setType(learner ? ConfChangeType.ADD_LEARNER_NODE : ConfChangeType.ADD_NODE)
        .setNodeId(id).setContext(rec.toByteString()).build();
    return raft.changeMembership(cc).thenApply(after -> Member.newBuilder().setID(id).setIsLearner(learner)
        .addAllPeerURLs(rec.getPeerUrlsList()).build());
  }

  CompletableFuture<Void> remove(long id) {
    MemberRecord r = raft.membership().get(id);
    if (r == null) {
      return CompletableFuture.failedFuture(io.grpc.Status.NOT_FOUND.withDescription(EtcdErrors.MEMBER_NOT_FOUND)
          .asRuntimeException());
    }
    if (strict && !r.getIsLearner()) {
      long voters = raft.membership().members().stream().filter(m -> !m.getIsLearner()).count();
      long startedAfter = startedVoters() - (isStarted(id) ? 1 : 0);
      if (startedAfter < quorum(voters - 1)) {
        return CompletableFuture.failedFuture(EtcdErrors.failedPrecondition(NOT_ENOUGH_STARTED));
      }
    }
    return raft.changeMembership(ConfChange.newBuilder().setType(ConfChangeType.REMOVE_NODE).setNodeId(id).build())
        .thenApply(x -> null);
  }

  CompletableFuture<Void> update(long id, List<String> peerUrls) {
    MemberRecord r = raft.membership().get(id);
    if (r == null) {
      return CompletableFuture.failedFuture(io.grpc.Status.NOT_FOUND.withDescription(EtcdErrors.MEMBER_NOT_FOUND)
          .asRuntimeException());
    }
    for (String s : peerUrls) {
      try {
        URI u = new URI(s);
        if (u.getHost() == null || u.getPort() < 0) {
          throw new IllegalArgumentException(s);
        }
      } catch (Exception e) {
        return CompletableFuture.failedFuture(EtcdErrors.invalidArgument(BAD_URLS));
      }
    }
    MemberRecord rec = r.toBuilder().clearPeerUrls().addAllPeerUrls(peerUrls).build();
    return raft.changeMembership(ConfChange.newBuilder().setType(ConfChangeType.UPDATE_NODE).setNodeId(id)
        .setContext(rec.toByteString()).build()).thenApply(x -> null);
  }

  CompletableFuture<Void> promote(long id) {
    MemberRecord r = raft.membership().get(id);
    if (r == null) {
      return CompletableFuture.failedFuture(io.grpc.Status.NOT_FOUND.withDescription(EtcdErrors.MEMBER_NOT_FOUND)
          .asRuntimeException());
    }
    if (!r.getIsLearner()) {
      return CompletableFuture.failedFuture(EtcdErrors.failedPrecondition(NOT_LEARNER));
    }
    if (raft.leaderId() != raft.memberId()) {
      return forwardPromote(id);
    }
    // counted here, not in the continuation on the raft thread: it may ask a peer for its name
    long started = startedVotersForPromote();
    return raft.raftStatus().thenCompose(st -> {
      String refused = promoteRefusal(st, id, started);
      if (refused != null) {
        return CompletableFuture.failedFuture(EtcdErrors.failedPrecondition(refused));
      }
      return proposePromotion(r);
    });
  }

  /**
   * etcd's checks before a promotion on the leader ({@code mayPromoteMember}), given the leader's Raft status: null
   * when learner {@code id} may be promoted now, else etcd's error text. MemberPromote and AutoPromoteLearners both
   * decide with this. {@code startedVoters} is {@link #startedVotersForPromote()}, taken off the raft thread.
   */
  String promoteRefusal(io.cairn.raft.Status st, long id, long startedVoters) {
    long voters = raft.membership().members().stream().filter(m -> !m.getIsLearner()).count();
    return promoteRefusal(st, id, strict, voters, startedVoters);
  }

  /**
   * The same, from its inputs alone: {@code st} is this member's Raft status, {@code voters} the voting members,
   * {@code startedVoters} how many of them have started (published their name).
   */
  static String promoteRefusal(io.cairn.raft.Status st, long id, boolean strictReconfigCheck, long voters,
      long startedVoters) {
    // etcd (isLearnerReady): only the leader has every member's progress
    if (st.softState().role() != io.cairn.raft.StateRole.LEADER || st.progress().isEmpty()) {
      return EtcdErrors.NOT_LEADER;
    }
    var learner = st.progress().get(id);
    var leader = st.progress().get(st.id());
    // etcd (isLearnerReady): a learner is ready once its match index is at least 90% of the leader's
    if (learner == null || leader == null || learner.match() < leader.match() * READY_FRACTION) {
      return LEARNER_NOT_READY;
    }
    // etcd (IsReadyToPromoteMember, under --strict-reconfig-check): the learner counts as a started voter, and the
    // started voters must make a quorum of the voters after the promotion
    if (strictReconfigCheck && startedVoters + 1 < quorum(voters + 1)) {
      return NOT_ENOUGH_STARTED;
    }
    return null;
  }

  /** The voters that have started, when --strict-reconfig-check needs them (0 otherwise); may ask a peer. */
  long startedVotersForPromote() {
    return strict ? startedVoters() : 0;
  }

  /** The promotion itself, once its checks passed: one ConfChange making learner {@code r} a voter. */
  CompletableFuture<Void> proposePromotion(MemberRecord r) {
    MemberRecord rec = r.toBuilder().setIsLearner(false).build();
    return raft.changeMembership(ConfChange.newBuilder().setType(ConfChangeType.ADD_NODE).setNodeId(r.getId())
        .setContext(rec.toByteString()).build()).thenApply(x -> (Void) null);
  }

  /** etcd forwards a promote to the leader, which alone knows how far the learner got. */
  private CompletableFuture<Void> forwardPromote(long id) {
    long leader = raft.leaderId();
    List<URI> urls = leader == 0 ? List.of() : members.clientUrls(leader);
    if (urls.isEmpty()) {
      return CompletableFuture.failedFuture(EtcdErrors.unavailable(EtcdErrors.NO_LEADER));
    }
    return CompletableFuture.supplyAsync(() -> {
      ManagedChannel ch = ManagedChannelBuilder.forAddress(urls.get(0).getHost(), urls.get(0).getPort())
          .usePlaintext().build();
      try {
        ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
            .memberPromote(MemberPromoteRequest.newBuilder().setID(id).build());
        return null;
      } finally {
        ch.shutdownNow();
      }
    });
  }

  private static long quorum(long voters) {
    return voters / 2 + 1;
  }

  private boolean isStarted(long id) {
    return id == raft.memberId() || members.list().stream().anyMatch(m -> m.id() == id && !m.name().isEmpty());
  }

  /** Voters that have answered over the peer connection (etcd: members that published their name). */
  private long startedVoters() {
    return members.list().stream().filter(m -> !m.learner() && !m.name().isEmpty()).count();
  }
}
