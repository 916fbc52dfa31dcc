package io.cairn.server.corrupt;

import io.cairn.proto.etcdserverpb.AlarmType;
import io.cairn.proto.serverpb.MemberRecord;
import io.cairn.server.alarm.Alarms;
import io.cairn.server.api.EtcdErrors;
import io.cairn.server.cluster.MemberIds;
import io.cairn.server.peer.PeerChannels;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreHash;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's corruption checks, comparing this member's HashKV with its peers' (asked over the peer transport).
 * Initial ({@code --experimental-initial-corrupt-check}, 3.6 {@code --feature-gates=InitialCorruptCheck=true}): on
 * a restart, peers hash at this member's revision; a different hash at the same compact revision means this
 * member's data differs and it must not start. Periodic ({@code --experimental-corrupt-check-time}, 3.6
 * {@code --corrupt-check-time}): the leader compares followers' hashes at its revision and raises CORRUPT through
 * Raft, naming the member whose hash differs (3.6; 3.4 named member 0).
 */
public final class CorruptionCheck {
  private static final Logger LOG = LoggerFactory.getLogger(CorruptionCheck.class);

  private final long self;
  private final MvccStore store;
  /** Every other member's HashKV answer at a revision. */
  private final java.util.function.LongFunction<List<PeerHashes.PeerHash>> peers;

  public CorruptionCheck(long self, long clusterId, MvccStore store, Supplier<List<MemberRecord>> members,
      PeerChannels channels, Duration timeout) {
    this(self, store, new PeerHashes(self, clusterId, members, channels, timeout)::at);
  }

  CorruptionCheck(long self, MvccStore store, java.util.function.LongFunction<List<PeerHashes.PeerHash>> peers) {
    this.self = self;
    this.store = store;
    this.peers = peers;
  }

  /** The initial check; throws with etcd's message if a peer's hash differs at the same revision. */
  public void initial() {
    LOG.info("starting initial corruption check (local-member-id {})", MemberIds.hex(self));
    StoreHash h = store.hashKv(0);
    int mismatch = 0;
    List<PeerHashes.PeerHash> answers = peers.apply(h.hashRevision());
    LOG.info("initial corruption check: local revision {}, compact revision {}, hash {}; {} peers asked",
        h.hashRevision(), h.compactRevision(), h.hash(), answers.size());
    for (PeerHashes.PeerHash p : answers) {
      if (p.resp() != null) {
        if (h.hash() != p.resp().getHash()) {
          if (h.compactRevision() == p.resp().getCompactRevision()) {
            LOG.warn("found different hash values from remote peer (local-member-revision {}, local-member-hash {}, "
                + "remote-peer-id {}, remote-peer-revision {}, remote-peer-hash {})", h.hashRevision(), h.hash(),
                MemberIds.hex(p.id()), p.resp().getHeader().getRevision(), p.resp().getHash());
            mismatch++;
          } else {
            LOG.warn("found different compact revision values from remote peer (local {}, remote-peer-id {}: {})",
                h.compactRevision(), MemberIds.hex(p.id()), p.resp().getCompactRevision());
          }
        }
      } else if (p.err() != null) {
        // a peer behind (future revision) or ahead past a compaction cannot be compared: etcd only warns
        LOG.warn("cannot fetch hash from remote peer {} at {}: {}", MemberIds.hex(p.id()), p.urls(),
            p.err().getStatus().getDescription());
      }
    }
    if (mismatch > 0) {
      throw new IllegalStateException(EtcdErrors.inconsistentWithPeers(MemberIds.hex(self)));
    }
    LOG.info("initial corruption checking passed; no corruption (local-member-id {})", MemberIds.hex(self));
  }

  /**
   * One periodic pass on the leader: peers hash at this member's revision; after a read barrier this member hashes
   * again. Returns the member to blame (0 if none), which the caller raises CORRUPT for.
   */
  long periodic(Supplier<CompletableFuture<Void>> readBarrier, Duration timeout) throws Exception {
    StoreHash h = store.hashKv(0);
    List<PeerHashes.PeerHash> answers = peers.apply(h.hashRevision());
    readBarrier.get().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    StoreHash h2 = store.hashKv(0);
    long blamed = 0;
    if (h2.hash() != h.hash() && h2.hashRevision() == h.hashRevision()
        && h.compactRevision() == h2.compactRevision()) {
      LOG.warn("found hash mismatch (revision {}, hash-1 {}, hash-2 {})", h.hashRevision(), h.hash(), h2.hash());
      blamed = self;
    }
    int checked = 0;
    for (PeerHashes.PeerHash p : answers) {
      if (p.resp() == null) {
        continue;
      }
      checked++;
      String peer = MemberIds.hex(p.id());
      if (p.resp().getHeader().getRevision() > h2.currentRevision()) {
        LOG.warn("revision from follower must be less than or equal to leader's (leader {}, follower {} {})",
            h2.currentRevision(), peer, p.resp().getHeader().getRevision());
        blamed = blamed == 0 ? p.id() : blamed;
      }
      if (p.resp().getCompactRevision() > h2.compactRevision()) {
        LOG.warn("compact revision from follower must be less than or equal to leader's (leader {}, follower {} {})",
            h2.compactRevision(), peer, p.resp().getCompactRevision());
        blamed = blamed == 0 ? p.id() : blamed;
      }
      if (p.resp().getCompactRevision() == h.compactRevision() && p.resp().getHash() != h.hash()) {
        LOG.warn("same compact revision then hashes must match (leader-hash {}, follower {} hash {})", h.hash(),
            peer, p.resp().getHash());
        blamed = blamed == 0 ? p.id() : blamed;
      }
    }
    LOG.info("finished peer corruption check (number-of-peers-checked {})", checked);
    return blamed;
  }

  /** Runs {@link #periodic} every {@code every} while {@code leading}, raising CORRUPT on a mismatch. */
  public AutoCloseable schedule(Duration every, java.util.function.BooleanSupplier leading, Alarms alarms,
      Supplier<CompletableFuture<Void>> readBarrier, Duration timeout) {
    LOG.info("enabled corruption checking (local-member-id {}, interval {})", MemberIds.hex(self), every);
    LongConsumer raise = corruptAlarm(alarms);
    return repeat("cairn-corrupt-check", every, () -> {
      if (!leading.getAsBoolean()) {
        return;
      }
      try {
        long blamed = periodic(readBarrier, timeout);
        if (blamed != 0) {
          raise.accept(blamed);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        LOG.warn("failed to check hash KV: {}", e.toString());
      }
    });
  }

  /**
   * Runs etcd 3.6's compaction hash check ({@link CompactHashCheck}) every {@code every} while {@code leading}; the
   * store records a hash at each compaction from now on.
   */
  public AutoCloseable scheduleCompactHashCheck(Duration every, java.util.function.BooleanSupplier leading,
      Alarms alarms) {
    store.recordCompactionHashes();
    LOG.info("enabled compaction hash check (local-member-id {}, interval {})", MemberIds.hex(self), every);
    CompactHashCheck check = new CompactHashCheck(self, store.compactionHashes(), peers, corruptAlarm(alarms));
    return repeat("cairn-compact-hash-check", every, () -> {
      if (leading.getAsBoolean()) {
        try {
          check.pass();
        } catch (RuntimeException e) {
          LOG.warn("compaction hash check failed: {}", e.toString());
        }
      }
    });
  }

  private static LongConsumer corruptAlarm(Alarms alarms) {
    return id -> {
      if (!alarms.isActive(AlarmType.CORRUPT, id)) { // etcd proposes it again on every pass; once is enough
        alarms.raise(AlarmType.CORRUPT, id);
      }
    };
  }

  private static AutoCloseable repeat(String name, Duration every, Runnable pass) {
    java.util.concurrent.ScheduledExecutorService thread =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
    thread.scheduleWithFixedDelay(pass, every.toNanos(), every.toNanos(), TimeUnit.NANOSECONDS);
    return thread::shutdownNow;
  }
}
