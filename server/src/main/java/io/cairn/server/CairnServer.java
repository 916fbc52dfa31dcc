package io.cairn.server;

import io.cairn.server.auth.AdminGate;
import io.cairn.server.auth.AuthApplier;
import io.cairn.server.auth.AuthInterceptor;
import io.cairn.server.auth.AuthService;
import io.cairn.server.auth.AuthStore;
import io.cairn.server.concurrency.RecipeGate;
import io.grpc.ServerInterceptors;
import io.cairn.server.concurrency.ConcurrencyServices;
import io.cairn.server.lease.LeaseSettings;
import io.cairn.server.lease.Leases;
import io.cairn.server.loop.Clock;
import io.cairn.server.alarm.AlarmGate;
import io.cairn.server.alarm.Alarms;
import io.cairn.server.alarm.BackendSize;
import io.cairn.server.alarm.Quota;
import io.cairn.server.api.ClusterService;
import io.cairn.server.compaction.AutoCompaction;
import io.cairn.server.corrupt.CorruptionCheck;
import java.time.Duration;
import io.cairn.server.api.Headers;
import io.cairn.server.api.KvService;
import io.cairn.server.api.MaintenanceService;
import io.cairn.server.apply.Proposer;
import io.cairn.server.raft.RaftMember;
import io.cairn.raft.RandomSource;
import java.security.SecureRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import io.cairn.server.cluster.MemberIdentity;
import io.cairn.server.cluster.MemberIds;
import io.cairn.server.cluster.ClusterMembers;
import io.cairn.server.cluster.MemberInfo;
import io.cairn.server.api.HasLeaderInterceptor;
import io.cairn.server.api.LearnerAutoPromotion;
import io.cairn.server.api.LearnerInterceptor;
import io.cairn.server.api.MembershipChanges;
import io.cairn.server.cluster.ClusterJoin;
import io.cairn.server.peer.PeerChannels;
import io.cairn.server.peer.PeerListener;
import io.cairn.server.tls.ClientIdentity;
import io.cairn.server.tls.TlsSetup;
import io.cairn.server.peer.PeerService;
import io.cairn.gateway.GatewayOptions;
import io.cairn.gateway.JsonGateway;
import io.cairn.server.config.ServerConfig;
import io.cairn.server.http.MemberEndpoints;
import io.cairn.server.metrics.GrpcMetricsInterceptor;
import io.cairn.server.metrics.ServerMetrics;
import io.cairn.server.watch.WatchHub;
import io.cairn.server.watch.WatchService;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreOptions;
import io.grpc.BindableService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running member: its store, its write path and its client listener, started and stopped in order. */
public final class CairnServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CairnServer.class);
  /** How stale the store size the quota checks may be: measuring reads RocksDB properties of every column family. */
  private static final long QUOTA_SAMPLE_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(50);
  /** How often the leader looks for a learner to promote under AutoPromoteLearners (in heartbeat ticks of this). */
  private static final long AUTO_PROMOTE_CHECK_MS = 1000;

  private final MvccStore store;
  private final Proposer proposer;
  private final WatchHub watchHub;
  private final ClientListener listener;
  private final ScheduledExecutorService scheduler;
  private final PeerListener peerListener;
  private final Leases leases;
  private final ConcurrencyServices concurrency;
  private final MaintenanceService maintenance;
  /** Auto-compaction and the periodic corruption check: stopped first, they propose through the member. */
  private final List<AutoCloseable> background;
  private final AuthStore auth;

  private CairnServer(MvccStore store, Proposer proposer, WatchHub watchHub, ClientListener listener,
      ScheduledExecutorService scheduler, PeerListener peerListener, Leases leases, ConcurrencyServices concurrency,
      MaintenanceService maintenance, AuthStore auth, List<AutoCloseable> background) {
    this.background = background;
    this.auth = auth;
    this.maintenance = maintenance;
    this.leases = leases;
    this.concurrency = concurrency;
    this.scheduler = scheduler;
    this.peerListener = peerListener;
    this.store = store;
    this.proposer = proposer;
    this.watchHub = watchHub;
    this.listener = listener;
  }

  public static CairnServer start(ServerConfig cfg) throws IOException {
    return start(cfg, Clock.SYSTEM);
  }

  /** With {@code clock} as the member's one source of time above Raft. */
  static CairnServer start(ServerConfig cfg, Clock clock) throws IOException {
    TlsSetup tls = TlsSetup.from(cfg);
    Path memberDir = cfg.dataDir.resolve("member");
    Files.createDirectories(memberDir);
    PeerChannels peerChannels = new PeerChannels(tls::peerClient);
    boolean joining = cfg.initialClusterState.equals("existing")
        && !io.cairn.storage.wal.Wal.exists(memberDir.resolve("wal"));
    ClusterJoin.Joined joined = joining ? ClusterJoin.discover(cfg, peerChannels) : null;
    MemberIdentity identity = MemberIdentity.loadOrCreate(memberDir, joined != null ? joined.identity() : derive(cfg));
    LOG.info("starting member {} in cluster {} (name {}, data dir {})", MemberIds.hex(identity.memberId()),
        MemberIds.hex(identity.clusterId()), cfg.name, cfg.dataDir.toAbsolutePath());

    // The raft WAL makes writes durable before they are applied, so the store need not fsync its
    // own log; the WAL is only released behind a store flush (see docs/architecture.md).
    MvccStore store = MvccStore.open(memberDir.resolve("store"), storeOptions(cfg, System.getProperties()));
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "cairn-ticker");
      t.setDaemon(true);
      return t;
    });
    // quota sampling, auto-compaction and corruption checks read the member's one clock too
    java.util.function.LongSupplier nanoClock = clock::nanoTime;
    Quota quota = Quota.fromFlag(cfg.quotaBackendBytes,
        new BackendSize(store::dbSizeBytes, nanoClock, QUOTA_SAMPLE_NANOS));
    AlarmGate alarmGate = new AlarmGate(store, quota);
    // the auth state is the store's; the apply thread changes it (through raft) and publishes each committed state
    RaftMember[] memberRef = new RaftMember[1];
    AuthStore auth = AuthStore.open(store, cfg.auth, () -> memberRef[0] == null ? 0 : memberRef[0].appliedIndex());
    MemberInfo self = new MemberInfo(identity.memberId(), cfg.name, cfg.initialAdvertisePeerUrls,
        cfg.advertiseClientUrls, false);
    ClusterMembers members = new ClusterMembers(self);
    // etcd runs the initial corruption check only on a member that had data before this start
    boolean initialized = io.cairn.storage.wal.Wal.exists(memberDir.resolve("wal"));
    ServerMetrics metrics = new ServerMetrics(); // the member reports its events here from its first step
    RaftMember member;
    try {
      member = new RaftMember(identity.memberId(), identity.clusterId(),
          joining ? List.of() : bootstrapRecords(cfg),
          joined != null ? joined.peers() : peerUrls(cfg, identity.memberId()), peerChannels,
          memberDir, store,
          new RaftMember.Settings(cfg.heartbeatIntervalMs, cfg.electionTimeoutMs, cfg.snapshotCount,
              cfg.maxSnapshots, cfg.preVote, cfg.snapshotCatchupEntries,
              cfg.initialElectionTickAdvance),
          scheduler, RandomSource.seeded(new SecureRandom().nextLong()),
          metrics, ProcessExit.INSTANCE, alarmGate, new AuthApplier(auth, store), clock);
    } catch (IOException | RuntimeException e) {
      scheduler.shutdownNow();
      auth.close();
      store.close();
      throw e;
    }
    memberRef[0] = member;
    Duration requestTimeout = Duration.ofMillis(5000 + 2 * cfg.electionTimeoutMs); // etcd's ReqTimeout
    CorruptionCheck corruption = new CorruptionCheck(identity.memberId(), identity.clusterId(), store,
        () -> {
          // before the log is replayed the membership may still be empty: the flags' bootstrap list stands in
          List<io.cairn.proto.serverpb.MemberRecord> known = member.membership().members();
          return !known.isEmpty() || joining ? known : bootstrapRecords(cfg);
        }, peerChannels, requestTimeout);
    if (cfg.initialCorruptCheck && initialized) {
      try {
        checkBeforeServing(member, corruption, requestTimeout);
      } catch (IOException | RuntimeException e) {
        member.close();
        scheduler.shutdownNow();
        auth.close();
        store.close();
        throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
      }
    }
    members.attach(member.membership(), member.transport());
    member.publishAttributes(cfg.name, cfg.advertiseClientUrls);
    PeerService peerService = new PeerService(member::stepFromPeer, () -> members.selfAttributes(identity.clusterId()),
            () -> io.cairn.proto.serverpb.Membership.newBuilder().addAllMembers(member.membership().members())
                .setClusterId(identity.clusterId()).build(),
            memberDir.resolve("snap"), member::receiveSnapshot, member::isRemoved);
    PeerListener peerListener = new PeerListener(cfg.listenPeerUrls, peerService,
        new io.cairn.server.peer.ClusterIdCheck(identity.clusterId()), tls.peerServer());
    try {
      peerListener.start();
    } catch (IOException e) {
      member.close();
      scheduler.shutdownNow();
      auth.close();
      store.close();
      throw new IOException("cannot listen on " + cfg.listenPeerUrls + ": " + e.getMessage(), e);
    }
    Proposer proposer = member;
    Alarms alarms = new Alarms(store, proposer, identity.memberId(), quota);
    alarmGate.onQuotaExceeded(alarms::raiseNoSpace);
    Headers headers = new Headers(member, store);
    WatchHub watchHub = new WatchHub(store, headers, cfg.watchProgressNotifyInterval,
        cfg.maxRequestBytes + ClientListener.GRPC_OVERHEAD_BYTES, clock, ProcessExit.INSTANCE, member::hasLeader,
        java.time.Duration.ofMillis(cfg.electionTimeoutMs));
    watchHub.start();
    Leases leases = Leases.start(store, proposer, member, headers,
        LeaseSettings.fromFlags(cfg.heartbeatIntervalMs, cfg.electionTimeoutMs, cfg.leaseCheckpoint,
            cfg.fastLeaseKeepAlive),
        members::peerUrls, u -> peerChannels.open(u, io.cairn.server.peer.ClusterIdCheck.stamp(identity.clusterId())),
        alarms::admit, auth, clock);
    peerService.onLeases(leases.localRenewer());
    ConcurrencyServices concurrency = new ConcurrencyServices(store, proposer, headers, leases, ProcessExit.INSTANCE);
    proposer.onApplied(() -> {
      watchHub.wake();
      concurrency.wake();
      auth.applied();
    });
    // expired simple tokens are dropped once a second, as etcd's TTL keeper does
    scheduler.scheduleAtFixedRate(auth::purgeExpiredTokens, 1, 1, java.util.concurrent.TimeUnit.SECONDS);

    // a backup's checkpoint goes beside the snapshots' (hard links need the same file system); "send-" ones left by
    // a crash are removed at the next start
    Path snapDir = memberDir.resolve("snap");
    MaintenanceService maintenance = new MaintenanceService(store, member, headers, cfg.quotaBackendBytes,
        member::moveLeader, () -> {
          long started = System.nanoTime();
          Path checkpoint = store.checkpoint(snapDir.resolve("send-backup-" + System.nanoTime()));
          metrics.backendSnapshot(System.nanoTime() - started);
          return checkpoint;
        }, alarms);
    peerService.onHashKv(maintenance::hashKvResponse);
    java.util.function.BooleanSupplier leading = () -> member.leaderId() == identity.memberId();
    AutoCompaction autoCompaction = AutoCompaction.start(cfg.autoCompactionMode, cfg.autoCompactionRetentionValue,
        store::currentRevision, proposer, leading, nanoClock, requestTimeout);
    AutoCloseable corruptChecks = cfg.corruptCheckTime.isZero() ? null
        : corruption.schedule(cfg.corruptCheckTime, leading, alarms, proposer::readBarrier, requestTimeout);
    AutoCloseable compactHashChecks = !cfg.compactHashCheck ? null
        : corruption.scheduleCompactHashCheck(cfg.compactHashCheckTime, leading, alarms);
    MembershipChanges membershipChanges = new MembershipChanges(member, members, cfg.initialClusterToken,
        cfg.strictReconfigCheck, clock);
    AutoCloseable autoPromoteThread = null;
    if (cfg.autoPromoteLearners) {
      // the leader's raft loop looks about once a second; the pass runs on a thread of its own, since counting
      // started members may wait on a peer (never on the common pool, which has one thread on 2 cores)
      java.util.concurrent.ExecutorService passes = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cairn-autopromote");
        t.setDaemon(true);
        return t;
      });
      autoPromoteThread = passes::shutdownNow;
      LearnerAutoPromotion autoPromotion = new LearnerAutoPromotion(membershipChanges, member, passes);
      member.everyLeaderTicks((int) Math.max(1, AUTO_PROMOTE_CHECK_MS / cfg.heartbeatIntervalMs),
          autoPromotion::leaderTick);
      LOG.info("enabled automatic promotion of learners (feature gate AutoPromoteLearners, local-member-id {})",
          MemberIds.hex(identity.memberId()));
    }
    List<BindableService> services = List.of(
        new KvService(store, proposer, headers, cfg.maxTxnOps, cfg.maxRequestBytes, alarms::admit, auth, member.readers()),
        maintenance,
        new ClusterService(members::list, headers,
            membershipChanges,
            member::readBarrier),
        new WatchService(watchHub, req -> auth.watchRefusal(req.getKey(), req.getRangeEnd())),
        leases.service(),
        new AuthService(auth, proposer, headers),
        () -> ServerInterceptors.intercept(concurrency.lock(), new RecipeGate(auth)),
        () -> ServerInterceptors.intercept(concurrency.election(), new RecipeGate(auth)));
    metrics.bind(member, store, cfg.quotaBackendBytes == 0 ? Quota.DEFAULT_BYTES : cfg.quotaBackendBytes,
        member::pendingProposals, Versions.ETCD_SERVER, Versions.ETCD_CLUSTER.replaceFirst("\\.\\d+$", ""));
    peerService.reportTo(metrics);
    new io.cairn.server.peer.PeerProber(member.transport()::channels, metrics, scheduler); // ends with the scheduler
    member.onLeaderChange(() -> {
      metrics.leaderChanged();
      leases.leaderChanged();
    });
    MemberEndpoints endpoints = new MemberEndpoints(member, store, metrics, proposer::readBarrier, alarms);
    GatewayOptions gatewayOptions = GatewayOptions.builder().maxRequestBytes(cfg.maxRequestBytes)
        .corsOrigins(commaSet(cfg.cors)).hostWhitelist(commaSet(cfg.hostWhitelist)).build();
    ClientListener listener = new ClientListener(cfg, services,
        // the last one runs first: the root-only check comes after etcd's own interceptors (learner, hasleader),
        // as etcd's service-level check does, and inside the one that puts the credentials in the call's Context
        List.of(new AdminGate(auth), new LearnerInterceptor(member::isLearner), new HasLeaderInterceptor(member),
            new GrpcMetricsInterceptor(metrics.registry(), metrics::rangeServed, cfg.extensiveMetrics), new AuthInterceptor(), new ClientIdentity()),
        ch -> new JsonGateway(ch, gatewayOptions, endpoints), tls.clientPort());
    try {
      listener.start();
    } catch (IOException e) {
      closeQuietly(autoCompaction);
      closeQuietly(corruptChecks);
      closeQuietly(compactHashChecks);
      closeQuietly(autoPromoteThread);
      maintenance.close();
      concurrency.close();
      leases.close();
      watchHub.close();
      peerListener.close();
      proposer.close();
      scheduler.shutdownNow();
      auth.close();
      store.close();
      throw new IOException("cannot listen on " + cfg.listenClientUrls + ": " + e.getMessage(), e);
    }
    LOG.info("ready to serve client requests on {}", cfg.listenClientUrls);
    return new CairnServer(store, proposer, watchHub, listener, scheduler, peerListener, leases, concurrency,
        maintenance, auth, List.of(closeable(autoCompaction), closeable(corruptChecks), closeable(compactHashChecks),
            closeable(autoPromoteThread)));
  }

  /** etcd's bootstrap configuration: every --initial-cluster member, sorted by id. */
  public static List<io.cairn.proto.serverpb.MemberRecord> bootstrapRecords(ServerConfig cfg) {
    List<io.cairn.proto.serverpb.MemberRecord> out = new java.util.ArrayList<>();
    cfg.initialCluster.forEach((name, urls) -> out.add(io.cairn.proto.serverpb.MemberRecord.newBuilder()
        .setId(MemberIds.memberId(urls, cfg.initialClusterToken)).setName(name)
        .addAllPeerUrls(urls.stream().map(java.net.URI::toString).toList()).build()));
    out.sort((a, b) -> Long.compareUnsigned(a.getId(), b.getId()));
    return out;
  }

  /**
   * etcd's initial corruption check, before this member serves peers or clients, once every peer is known: the
   * membership replayed from the log (where it comes from before the first snapshot) is partial until the replay
   * is done, and a check that asked fewer peers would pass for want of answers.
   */
  private static void checkBeforeServing(RaftMember member, CorruptionCheck corruption, Duration timeout)
      throws IOException {
    java.util.concurrent.CompletableFuture<Void> replayed = member.replayed();
    // a long log may take longer than one timeout to replay: wait while it makes progress, give up when it stalls
    for (long applied = -1; ; ) {
      try {
        replayed.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        break;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted before the initial corruption check", e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IOException("the initial corruption check could not wait for the log's replay: " + e, e);
      } catch (java.util.concurrent.TimeoutException e) {
        long now = member.appliedIndex();
        if (now == applied) {
          throw new IOException("the initial corruption check found the log's replay stalled at index " + now, e);
        }
        applied = now;
        LOG.info("initial corruption check: waiting for the log's replay (applied index {})", now);
      }
    }
    corruption.initial();
  }

  /**
   * The store as the flags configure it; its own log is not synced (see the caller). RocksDB's memory can be resized
   * with the JVM properties {@code cairn.store.block-cache-bytes} and {@code cairn.store.memtable-bytes} (all
   * memtables together, half of it per column family), e.g. in CAIRN_JAVA_OPTS (docs/operations.md, "Memory").
   */
  static StoreOptions storeOptions(ServerConfig cfg, java.util.Properties props) {
    StoreOptions.Builder b = StoreOptions.builder().syncWrites(false);
    if (cfg.maxResponseBytes > 0) b.maxResponseBytes(cfg.maxResponseBytes);
    String cache = props.getProperty("cairn.store.block-cache-bytes");
    if (cache != null) b.blockCacheBytes(bytes("cairn.store.block-cache-bytes", cache));
    String memtables = props.getProperty("cairn.store.memtable-bytes");
    if (memtables != null) {
      long total = bytes("cairn.store.memtable-bytes", memtables);
      b.memtableBudgetBytes(total).writeBufferBytes(Math.max(64 << 10, total / 2));
    }
    return b.build();
  }

  /** A byte count from a JVM property; the error a member exits with names the property. */
  private static long bytes(String property, String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new NumberFormatException(property + ": not a number of bytes: \"" + value + "\"");
    }
  }

  /** The other --initial-cluster members' peer URLs: whom to reach before the membership is known. */
  static java.util.Map<Long, java.net.URI> peerUrls(ServerConfig cfg, long self) {
    java.util.Map<Long, java.net.URI> out = new java.util.LinkedHashMap<>();
    cfg.initialCluster.forEach((name, urls) -> {
      long id = MemberIds.memberId(urls, cfg.initialClusterToken);
      if (id != self && !urls.isEmpty() && !urls.equals(cfg.initialAdvertisePeerUrls)) {
        out.put(id, urls.get(0));
      }
    });
    return out;
  }

  /** etcd's bootstrap ids: this member from its advertised peer URLs, the cluster from every initial member. */
  public static MemberIdentity derive(ServerConfig cfg) {
    long self = MemberIds.memberId(cfg.initialAdvertisePeerUrls, cfg.initialClusterToken);
    long[] all = cfg.initialCluster.values().stream()
        .mapToLong(urls -> MemberIds.memberId(urls, cfg.initialClusterToken)).toArray();
    return new MemberIdentity(self, MemberIds.clusterId(all));
  }

  private static java.util.Set<String> commaSet(String list) {
    java.util.Set<String> out = new java.util.LinkedHashSet<>();
    for (String s : list.split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return out.isEmpty() ? java.util.Set.of("*") : out;
  }

  private static AutoCloseable closeable(AutoCloseable c) {
    return c == null ? () -> { } : c;
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      if (c != null) {
        c.close();
      }
    } catch (Exception e) {
      LOG.warn("closing {}: {}", c, e.toString());
    }
  }

  @Override
  public void close() {
    LOG.info("stopping");
    background.forEach(CairnServer::closeQuietly);
    watchHub.endStreams();
    listener.close();
    maintenance.close();
    concurrency.close();
    leases.close();
    watchHub.close();
    proposer.close(); // a leader hands off leadership first, while peers still hear from it
    peerListener.close();
    scheduler.shutdownNow();
    auth.close();
    store.close();
    LOG.info("stopped");
  }
}
