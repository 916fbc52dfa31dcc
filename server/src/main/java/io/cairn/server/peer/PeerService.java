package io.cairn.server.peer;

import io.cairn.proto.raftpb.Message;
import io.cairn.proto.serverpb.AttributesRequest;
import io.cairn.proto.serverpb.MemberAttributes;
import io.cairn.proto.serverpb.PeerGrpc;
import io.cairn.proto.serverpb.SendAck;
import io.grpc.stub.StreamObserver;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** The receiving side: every message from a peer's stream is handed to the raft thread in order. */
public final class PeerService extends PeerGrpc.PeerImplBase {
  private final Consumer<Message> toRaft;
  private final Supplier<MemberAttributes> self;
  private final java.nio.file.Path incoming;
  private final SnapshotReceiver.Installer installer;

  private final Supplier<io.cairn.proto.serverpb.Membership> membership;
  private final java.util.function.LongPredicate removed;
  /** This member's HashKV, set once the maintenance service exists; until then peers hear UNAVAILABLE. */
  private volatile java.util.function.Function<io.cairn.proto.etcdserverpb.HashKVRequest,
      io.cairn.proto.etcdserverpb.HashKVResponse> hashKv;

  private volatile io.cairn.server.metrics.MemberEvents events = io.cairn.server.metrics.MemberEvents.NONE;

  /** Reports the bytes read from each peer's stream to {@code sink}. */
  public void reportTo(io.cairn.server.metrics.MemberEvents sink) {
    events = sink;
  }

  /** Answers peers' HashKV requests (the corruption checks) with {@code hasher}. */
  public void onHashKv(java.util.function.Function<io.cairn.proto.etcdserverpb.HashKVRequest,
      io.cairn.proto.etcdserverpb.HashKVResponse> hasher) {
    hashKv = hasher;
  }

  private volatile io.cairn.server.lease.LeaseRenewer leases;

  /** Where a follower's forwarded lease renewals and TTL questions are answered (set once the lessor runs). */
  public void onLeases(io.cairn.server.lease.LeaseRenewer local) {
    leases = local;
  }

  @Override
  public void leaseRenew(io.cairn.proto.etcdserverpb.LeaseKeepAliveRequest req,
      StreamObserver<io.cairn.proto.etcdserverpb.LeaseKeepAliveResponse> out) {
    var l = leases;
    if (l == null) {
      out.onError(io.cairn.server.api.EtcdErrors.unavailable(io.cairn.server.api.EtcdErrors.SERVER_STOPPED));
      return;
    }
    l.renew(req.getID()).whenComplete((ttl, err) -> {
      if (err != null) {
        out.onError(io.cairn.server.api.EtcdErrors.toStatus(err));
      } else {
        out.onNext(io.cairn.proto.etcdserverpb.LeaseKeepAliveResponse.newBuilder().setID(req.getID())
            .setTTL(Math.max(ttl, 0)).build());
        out.onCompleted();
      }
    });
  }

  @Override
  public StreamObserver<io.cairn.proto.serverpb.LeaseRenewal> leaseRenewals(
      StreamObserver<io.cairn.proto.serverpb.LeaseRenewed> out) {
    return new LeaseRenewals(() -> leases, out);
  }

  @Override
  public void leaseTimeToLive(io.cairn.proto.etcdserverpb.LeaseTimeToLiveRequest req,
      StreamObserver<io.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse> out) {
    var l = leases;
    if (l == null) {
      out.onError(io.cairn.server.api.EtcdErrors.unavailable(io.cairn.server.api.EtcdErrors.SERVER_STOPPED));
      return;
    }
    l.timeToLive(req.getID()).whenComplete((t, err) -> {
      if (err != null) {
        out.onError(io.cairn.server.api.EtcdErrors.toStatus(err));
      } else {
        var b = io.cairn.proto.etcdserverpb.LeaseTimeToLiveResponse.newBuilder().setID(req.getID());
        out.onNext(t == null ? b.setTTL(-1).build() : b.setTTL(t.remainingSeconds()).setGrantedTTL(t.grantedTtl()).build());
        out.onCompleted();
      }
    });
  }

  @Override
  public void hashKV(io.cairn.proto.etcdserverpb.HashKVRequest req,
      StreamObserver<io.cairn.proto.etcdserverpb.HashKVResponse> out) {
    var h = hashKv;
    if (h == null) {
      out.onError(io.grpc.Status.UNAVAILABLE.withDescription(io.cairn.server.api.EtcdErrors.SERVER_STOPPED)
          .asRuntimeException());
      return;
    }
    try {
      out.onNext(h.apply(req));
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(io.cairn.server.api.EtcdErrors.toStatus(e));
    }
  }

  /** @param removed whether a member id was removed from the cluster: its traffic is refused, as etcd refuses it */
  public PeerService(Consumer<Message> toRaft, Supplier<MemberAttributes> self,
      Supplier<io.cairn.proto.serverpb.Membership> membership, java.nio.file.Path incoming,
      SnapshotReceiver.Installer installer, java.util.function.LongPredicate removed) {
    this.removed = removed;
    this.membership = membership;
    this.toRaft = toRaft;
    this.self = self;
    this.incoming = incoming;
    this.installer = installer;
  }

  @Override
  public StreamObserver<io.cairn.proto.serverpb.SnapshotChunk> installSnapshot(
      StreamObserver<io.cairn.proto.serverpb.SnapshotAck> ack) {
    return new SnapshotReceiver(incoming, installer, ack, removed);
  }

  @Override
  public StreamObserver<Message> send(StreamObserver<SendAck> ack) {
    return new StreamObserver<>() {
      private boolean refused;

      @Override
      public void onNext(Message m) {
        if (refused) {
          return;
        }
        if (removed.test(m.getFrom())) {
          // etcd answers a removed member with 410 Gone and this text; that member stops when it hears it
          refused = true;
          ack.onError(io.grpc.Status.FAILED_PRECONDITION
              .withDescription(io.cairn.server.api.EtcdErrors.MEMBER_REMOVED).asRuntimeException());
          return;
        }
        if (PeerFaults.dropFrom(m.getFrom())) {
          return; // a fault campaign's partition
        }
        events.peerReceived(m.getFrom(), m.getSerializedSize());
        toRaft.accept(m);
      }

      @Override
      public void onError(Throwable t) { }

      @Override
      public void onCompleted() {
        if (!refused) {
          ack.onNext(SendAck.getDefaultInstance());
          ack.onCompleted();
        }
      }
    };
  }

  @Override
  public void members(io.cairn.proto.serverpb.MembersRequest req,
      StreamObserver<io.cairn.proto.serverpb.Membership> out) {
    out.onNext(membership.get());
    out.onCompleted();
  }

  @Override
  public void attributes(AttributesRequest req, StreamObserver<MemberAttributes> out) {
    out.onNext(self.get());
    out.onCompleted();
  }
}
