package io.cairn.server.api;

import io.cairn.proto.etcdserverpb.AlarmRequest;
import io.cairn.proto.etcdserverpb.AlarmResponse;
import io.cairn.proto.etcdserverpb.DefragmentRequest;
import io.cairn.proto.etcdserverpb.DefragmentResponse;
import io.cairn.proto.etcdserverpb.HashKVRequest;
import io.cairn.proto.etcdserverpb.HashKVResponse;
import io.cairn.proto.etcdserverpb.HashRequest;
import io.cairn.proto.etcdserverpb.HashResponse;
import io.cairn.proto.etcdserverpb.MaintenanceGrpc;
import io.cairn.proto.etcdserverpb.MoveLeaderRequest;
import io.cairn.proto.etcdserverpb.MoveLeaderResponse;
import io.cairn.proto.etcdserverpb.SnapshotRequest;
import io.cairn.proto.etcdserverpb.SnapshotResponse;
import io.cairn.proto.etcdserverpb.StatusRequest;
import io.cairn.proto.etcdserverpb.StatusResponse;
import io.cairn.server.Versions;
import io.cairn.server.backup.BackupSource;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreHash;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * Maintenance: Status, Alarm, Defragment, MoveLeader, Hash, HashKV and Snapshot. Downgrade answers UNIMPLEMENTED
 * (inherited) until it is built. Hashes and snapshots read the whole store: they run on their own threads, never on
 * gRPC's, the raft or the apply thread.
 */
public final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  /** etcd's default backend quota when --quota-backend-bytes is 0. */
  static final long DEFAULT_QUOTA_BYTES = 2L * 1024 * 1024 * 1024;

  private final MvccStore store;
  private final MemberState member;
  private final Headers headers;
  private final long quotaBytes;
  private final LeaderMover mover;
  private final io.cairn.server.alarm.Alarms alarms;
  private final java.util.concurrent.Callable<java.nio.file.Path> checkpoints;
  private final java.util.concurrent.ExecutorService work = java.util.concurrent.Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "cairn-maintenance");
    t.setDaemon(true);
    return t;
  });

  /** Moves leadership to another member; completes when it leads or fails with etcd's error. */
  @FunctionalInterface
  public interface LeaderMover {
    java.util.concurrent.CompletableFuture<Void> move(long target);
  }

  /** {@code checkpoints} takes a checkpoint of the store into a new directory and returns it (for Snapshot). */
  public MaintenanceService(MvccStore store, MemberState member, Headers headers, long quotaBackendBytes,
      LeaderMover mover, java.util.concurrent.Callable<java.nio.file.Path> checkpoints,
      io.cairn.server.alarm.Alarms alarms) {
    this.alarms = alarms;
    this.mover = mover;
    this.checkpoints = checkpoints;
    this.store = store;
    this.member = member;
    this.headers = headers;
    // etcd 3.6: 0 reads as the default; a negative (disabled) quota is reported as given
    this.quotaBytes = quotaBackendBytes == 0 ? DEFAULT_QUOTA_BYTES : quotaBackendBytes;
  }

  @Override
  public void status(StatusRequest req, StreamObserver<StatusResponse> out) {
    StatusResponse.Builder b = StatusResponse.newBuilder()
        .setHeader(headers.current())
        .setVersion(Versions.ETCD_SERVER)
        .setDbSize(store.dbSizeBytes())
        .setDbSizeInUse(store.dbSizeInUseBytes())
        .setLeader(member.leaderId())
        .setRaftIndex(member.raftIndex())
        .setRaftTerm(member.raftTerm())
        .setRaftAppliedIndex(member.appliedIndex())
        .setIsLearner(member.isLearner())
        .setStorageVersion(Versions.ETCD_STORAGE)
        .setDbSizeQuota(quotaBytes);
    if (!member.hasLeader()) {
      b.addErrors(EtcdErrors.NO_LEADER);
    }
    b.addAllErrors(alarms.statusErrors());
    out.onNext(b.build());
    out.onCompleted();
  }

  @Override
  public void alarm(AlarmRequest req, StreamObserver<AlarmResponse> out) {
    // etcd 3.5+ fills the header of the applied answer (3.4 sent none: etcdctl 3.4's fields printer crashes on it)
    java.util.concurrent.CompletableFuture<AlarmResponse> r = switch (req.getAction()) {
      case ACTIVATE, DEACTIVATE -> alarms.change(req);
      case GET -> alarms.list(req.getAlarm());
      default -> java.util.concurrent.CompletableFuture.completedFuture(AlarmResponse.getDefaultInstance());
    };
    r.whenComplete((resp, err) -> {
      if (err != null) {
        out.onError(EtcdErrors.toStatus(err));
      } else {
        out.onNext(resp.toBuilder().setHeader(headers.current()).build());
        out.onCompleted();
      }
    });
  }

  @Override
  public void defragment(DefragmentRequest req, StreamObserver<DefragmentResponse> out) {
    try {
      store.defragment();
      // etcd answers Defragment with an empty response, no header
      out.onNext(DefragmentResponse.getDefaultInstance());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
    }
  }

  @Override
  public void moveLeader(MoveLeaderRequest req, StreamObserver<MoveLeaderResponse> out) {
    mover.move(req.getTargetID()).whenComplete((ok, err) -> {
      if (err != null) {
        out.onError(EtcdErrors.toStatus(err));
      } else {
        out.onNext(MoveLeaderResponse.getDefaultInstance()); // etcd's carries no header at all
        out.onCompleted();
      }
    });
  }

  @Override
  public void hash(HashRequest req, StreamObserver<HashResponse> out) {
    work.execute(() -> {
      try {
        StoreHash h = store.hash();
        out.onNext(HashResponse.newBuilder().setHeader(headers.at(h.currentRevision())).setHash(h.hash()).build());
        out.onCompleted();
      } catch (RuntimeException e) {
        out.onError(EtcdErrors.toStatus(e));
      }
    });
  }

  /** HashKV of this member's store, also what peers get for the corruption checks. */
  public HashKVResponse hashKvResponse(HashKVRequest req) {
    // etcd 3.6 answers a revision it compacted to with the hash it took then (kept when the compaction hash check
    // is on); else it hashes now
    StoreHash h = req.getRevision() > 0
        ? store.compactionHashes().at(req.getRevision()).orElseGet(() -> store.hashKv(req.getRevision()))
        : store.hashKv(0);
    // etcd: header.revision = current revision; compact_revision = -1 if never compacted
    long current = Math.max(h.currentRevision(), store.currentRevision());
    return HashKVResponse.newBuilder().setHeader(headers.at(current)).setHash(h.hash())
        .setCompactRevision(h.compactRevision()).setHashRevision(h.hashRevision()).build();
  }

  @Override
  public void hashKV(HashKVRequest req, StreamObserver<HashKVResponse> out) {
    work.execute(() -> {
      try {
        out.onNext(hashKvResponse(req));
        out.onCompleted();
      } catch (RuntimeException e) {
        out.onError(EtcdErrors.toStatus(e));
      }
    });
  }

  @Override
  public void snapshot(SnapshotRequest req, StreamObserver<SnapshotResponse> out) {
    SnapshotStream.start((ServerCallStreamObserver<SnapshotResponse>) out, work,
        () -> BackupSource.open(checkpoints.call()));
  }

  /** Stops the hash and snapshot threads (a download under way is cut off). */
  public void close() {
    work.shutdownNow();
  }
}
