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

  public PeerService(Consumer<Message> toRaft, Supplier<MemberAttributes> self,
      Supplier<io.cairn.proto.serverpb.Membership> membership, java.nio.file.Path incoming,
      SnapshotReceiver.Installer installer) {
    this.membership = membership;
    this.toRaft = toRaft;
    this.self = self;
    this.incoming = incoming;
    this.installer = installer;
  }

  @Override
  public StreamObserver<io.cairn.proto.serverpb.SnapshotChunk> installSnapshot(
      StreamObserver<io.cairn.proto.serverpb.SnapshotAck> ack) {
    return new SnapshotReceiver(incoming, installer, ack);
  }

  @Override
  public StreamObserver<Message> send(StreamObserver<SendAck> ack) {
    return new StreamObserver<>() {
      @Override
      public void onNext(Message m) {
        toRaft.accept(m);
      }

      @Override
      public void onError(Throwable t) { }

      @Override
      public void onCompleted() {
        ack.onNext(SendAck.getDefaultInstance());
        ack.onCompleted();
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
