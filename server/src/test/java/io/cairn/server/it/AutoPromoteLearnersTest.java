package io.cairn.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.ClusterGrpc;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.MaintenanceGrpc;
import io.cairn.proto.etcdserverpb.MemberListRequest;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.StatusRequest;
import io.cairn.proto.etcdserverpb.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --feature-gates=AutoPromoteLearners=true} on real processes: a 3-member cluster under a continuous (bounded)
 * put load gets a 4th member with {@code etcdctl member add --learner}, started as `member add` says. The leader
 * promotes it on its own once it has caught up, and never before: not while it is not even started (match index 0),
 * and, by the leader's own account and by the indexes observed around the promotion, not before its log reached 90% of
 * the leader's. Without the gate a caught-up learner stays a learner.
 */
class AutoPromoteLearnersTest {
  static final String PROMOTED_LINE = "promoted learner member automatically";

  @TempDir
  Path dir;
  final List<Member> started = Collections.synchronizedList(new ArrayList<>());
  /** A member being started in the background; awaited before the members are stopped. */
  CompletableFuture<Member> pendingStart;
  final List<ManagedChannel> channels = new ArrayList<>();
  final AtomicBoolean stopLoad = new AtomicBoolean();
  final List<Thread> writers = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    stopLoad.set(true);
    for (Thread t : writers) {
      t.join(10_000);
    }
    channels.forEach(ManagedChannel::shutdownNow);
    if (pendingStart != null) {
      try {
        pendingStart.get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        // it failed to start: nothing more to stop
      }
    }
    for (Member m : started) {
      m.close();
    }
  }

  ManagedChannel channel(Member m) {
    ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", m.clientPort).usePlaintext().build();
    channels.add(ch);
    return ch;
  }

  /**
   * Puts of 1 KiB values from 4 writers spread over the voters until stopped, at most 90 s and 200,000 puts in all:
   * the leader's index keeps moving while the learner catches up. Failed puts (a leader change) are retried by the
   * next one.
   */
  AtomicLong startLoad(List<Member> voters) {
    AtomicLong puts = new AtomicLong();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    ByteString value = ByteString.copyFrom(new byte[1024]);
    for (int w = 0; w < 4; w++) {
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel(voters.get(w % voters.size())));
      int writer = w;
      Thread t = new Thread(() -> {
        long i = 0;
        while (!stopLoad.get() && System.nanoTime() < deadline && puts.get() < 200_000) {
          try {
            kv.withDeadlineAfter(5, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("load/" + writer + "/" + (i++ % 500))).setValue(value).build());
            puts.incrementAndGet();
          } catch (RuntimeException e) {
            // a leader change or a timeout under load: the next put goes on
          }
        }
      }, "load-" + w);
      t.setDaemon(true);
      t.start();
      writers.add(t);
    }
    return puts;
  }

  static StatusResponse status(ManagedChannel ch) {
    return MaintenanceGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
        .status(StatusRequest.getDefaultInstance());
  }

  /** The leader's status, asked of the leader itself (the voters agree on who it is). */
  static StatusResponse leaderStatus(List<ManagedChannel> voters) {
    long leader = status(voters.get(0)).getLeader();
    for (ManagedChannel ch : voters) {
      StatusResponse st = status(ch);
      if (st.getHeader().getMemberId() == leader) {
        return st;
      }
    }
    throw new IllegalStateException("no voter is the leader " + Long.toHexString(leader));
  }

  static boolean isLearner(ManagedChannel ch, long id) {
    return ClusterGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
        .memberList(MemberListRequest.newBuilder().setLinearizable(true).build()).getMembersList().stream()
        .filter(m -> m.getID() == id).findFirst().orElseThrow().getIsLearner();
  }

  static long addedId(String addOutput) {
    Matcher m = Pattern.compile("Member +([0-9a-f]+) added").matcher(addOutput);
    assertThat(m.find()).as(addOutput).isTrue();
    return Long.parseUnsignedLong(m.group(1), 16);
  }

  String logs(List<Member> ms) throws Exception {
    StringBuilder all = new StringBuilder();
    for (Member m : ms) {
      all.append(m.logText());
    }
    return all.toString();
  }

  @Test
  void aLearnerUnderLoadBecomesAVoterOnItsOwnOnceCaughtUpAndNeverBefore() throws Exception {
    List<Member> voters = Member.cairnCluster(dir, 3, "--feature-gates=AutoPromoteLearners=true");
    started.addAll(voters);
    ClusterTest.awaitLeader(voters);
    List<ManagedChannel> voterChannels = voters.stream().map(this::channel).toList();
    AtomicLong puts = startLoad(voters);
    // a head start for the leader's log
    long headStart = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    long headStartCap = headStart + TimeUnit.SECONDS.toNanos(30);
    while ((System.nanoTime() < headStart || puts.get() < 200) && System.nanoTime() < headStartCap) {
      Thread.sleep(50);
    }
    Etcdctl ctl = new Etcdctl(voters.get(0).endpoint() + "," + voters.get(1).endpoint() + ","
        + voters.get(2).endpoint());
    int peer = Ports.free();
    String added = ctl.run("member", "add", "m4", "--learner", "--peer-urls=http://127.0.0.1:" + peer).ok().out();
    long learnerId = addedId(added);

    // not started yet, so its match index is 0: several checks pass (about one a second) and it stays a learner
    long unstartedUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
    while (System.nanoTime() < unstartedUntil) {
      assertThat(isLearner(voterChannels.get(0), learnerId)).as("promoted before it even started").isTrue();
      Thread.sleep(200);
    }

    // started in the background, so that polling begins before it runs: it can catch up (and be promoted) while
    // its start is still being awaited
    int client = Ports.free();
    pendingStart = CompletableFuture.supplyAsync(() -> {
      try {
        Member m = Member.joinFromMemberAdd(dir, added, peer, client, Map.of());
        started.add(m);
        return m;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    ManagedChannel learnerChannel = ManagedChannelBuilder.forAddress("127.0.0.1", client).usePlaintext().build();
    channels.add(learnerChannel);
    // each poll: the leader's index, then the membership, then the learner's own index. A promotion seen in poll n
    // happened after poll n-1's membership (learner), hence after poll n-1's leader index was taken, and before poll
    // n's learner index was taken: that index bounds from above the match the leader judged it by
    long lastLeaderIndexWhileLearner = -1;
    long learnerIndexAfterPromotion = -1;
    int pollsAsLearner = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      long leaderIndex;
      boolean stillLearner;
      try {
        leaderIndex = leaderStatus(voterChannels).getRaftIndex();
        stillLearner = isLearner(voterChannels.get(0), learnerId);
      } catch (RuntimeException e) {
        Thread.sleep(100); // a leader change under load: poll again
        continue;
      }
      long learnerIndex;
      try {
        learnerIndex = status(learnerChannel).getRaftIndex();
      } catch (RuntimeException e) {
        learnerIndex = -1; // not serving yet
        learnerChannel.resetConnectBackoff(); // so the next poll connects as soon as it does
      }
      if (stillLearner) {
        lastLeaderIndexWhileLearner = leaderIndex;
        pollsAsLearner++;
        Thread.sleep(100);
        continue;
      }
      if (learnerIndex < 0) {
        // promoted before its client port answered: a later index of its own still bounds the match from above
        Thread.sleep(100);
        continue;
      }
      learnerIndexAfterPromotion = learnerIndex;
      break;
    }
    long putsAtPromotion = puts.get();
    stopLoad.set(true);
    Member learner = pendingStart.get(60, TimeUnit.SECONDS);
    assertThat(learnerIndexAfterPromotion).as("promoted on its own within 60 s of starting, and serving").isPositive();
    assertThat(pollsAsLearner).as("seen as a learner after its start began").isPositive();
    assertThat(lastLeaderIndexWhileLearner).isPositive();
    assertThat((double) learnerIndexAfterPromotion)
        .as("the learner's log at promotion (at most %d) against the leader's before it (at least %d)",
            learnerIndexAfterPromotion, lastLeaderIndexWhileLearner)
        .isGreaterThanOrEqualTo(0.9 * lastLeaderIndexWhileLearner);
    assertThat(putsAtPromotion).as("under load").isGreaterThan(200);

    // the leader's one line, with the indexes it decided on
    String promotedLines = logs(voters).lines().filter(l -> l.contains(PROMOTED_LINE)).reduce("", (a, b) -> a + b
        + "\n");
    assertThat(promotedLines.lines().count()).as(promotedLines).isEqualTo(1);
    assertThat(promotedLines).contains(Long.toHexString(learnerId));
    long learnerMatch = number(promotedLines, "learner-match-index");
    long leaderMatch = number(promotedLines, "leader-match-index");
    assertThat(leaderMatch).isGreaterThan(0);
    assertThat((double) learnerMatch).as(promotedLines).isGreaterThanOrEqualTo(0.9 * leaderMatch);
    assertThat(learnerMatch).as("no later than what the learner held right after").isLessThanOrEqualTo(
        learnerIndexAfterPromotion);

    // a voter now: it serves linearizable reads, which a learner refuses
    Etcdctl onNew = new Etcdctl(learner.endpoint());
    ctl.run("put", "after", "promotion").ok();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
        onNew.run("get", "after", "--print-value-only").out().equals("promotion\n"));
    assertThat(onNew.run("endpoint", "status", "-w", "json").ok().out()).doesNotContain("\"isLearner\":true");
  }

  @Test
  void withoutTheFeatureGateACaughtUpLearnerStaysALearner() throws Exception {
    List<Member> voters = Member.cairnCluster(dir, 3);
    started.addAll(voters);
    ClusterTest.awaitLeader(voters);
    List<ManagedChannel> voterChannels = voters.stream().map(this::channel).toList();
    AtomicLong puts = startLoad(voters);
    Etcdctl ctl = new Etcdctl(voters.get(0).endpoint() + "," + voters.get(1).endpoint() + ","
        + voters.get(2).endpoint());
    int peer = Ports.free();
    String added = ctl.run("member", "add", "m4", "--learner", "--peer-urls=http://127.0.0.1:" + peer).ok().out();
    long learnerId = addedId(added);
    Member learner = Member.joinFromMemberAdd(dir, added, peer, Map.of());
    started.add(learner);
    ManagedChannel learnerChannel = channel(learner);
    // under load for a while, then caught up with the leader once the load stops
    long loadUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < loadUntil) {
      assertThat(isLearner(voterChannels.get(0), learnerId)).isTrue();
      Thread.sleep(200);
    }
    stopLoad.set(true);
    for (Thread t : writers) {
      t.join(10_000);
    }
    assertThat(puts.get()).isGreaterThan(100);
    long leaderIndex = leaderStatus(voterChannels).getRaftIndex();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> status(learnerChannel).getRaftIndex() >= leaderIndex);
    // several seconds in sync (with the gate the leader would look about once a second): still a learner
    long inSyncUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < inSyncUntil) {
      assertThat(isLearner(voterChannels.get(0), learnerId)).as("promoted without the feature gate").isTrue();
      Thread.sleep(200);
    }
    assertThat(logs(voters)).doesNotContain(PROMOTED_LINE);
    // it was ready: a manual promote takes it
    ctl.run("member", "promote", Long.toHexString(learnerId)).ok();
    assertThat(isLearner(voterChannels.get(0), learnerId)).isFalse();
  }

  static long number(String text, String key) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":\"?(\\d+)").matcher(text);
    assertThat(m.find()).as(key + " in " + text).isTrue();
    return Long.parseLong(m.group(1));
  }
}
