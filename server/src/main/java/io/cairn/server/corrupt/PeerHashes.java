package io.cairn.server.corrupt;

import io.cairn.proto.etcdserverpb.HashKVRequest;
import io.cairn.proto.etcdserverpb.HashKVResponse;
import io.cairn.proto.serverpb.MemberRecord;
import io.cairn.proto.serverpb.PeerGrpc;
import io.cairn.server.peer.PeerChannels;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Asks every other member for its HashKV at a revision over the peer transport (etcd asks peers on
 * {@code /members/hashkv} of their peer URLs), trying each peer URL until one answers.
 */
final class PeerHashes {
  /** One peer's answer: {@code resp}, or the error of its last URL. */
  record PeerHash(long id, List<String> urls, HashKVResponse resp, StatusRuntimeException err) {}

  private final long self;
  private final long clusterId;
  private final Supplier<List<MemberRecord>> members;
  private final PeerChannels channels;
  private final Duration timeout;

  PeerHashes(long self, long clusterId, Supplier<List<MemberRecord>> members, PeerChannels channels,
      Duration timeout) {
    this.self = self;
    this.clusterId = clusterId;
    this.members = members;
    this.channels = channels;
    this.timeout = timeout;
  }

  List<PeerHash> at(long revision) {
    List<PeerHash> out = new ArrayList<>();
    for (MemberRecord m : members.get()) {
      if (m.getId() == self || m.getPeerUrlsCount() == 0) {
        continue;
      }
      StatusRuntimeException last = null;
      HashKVResponse resp = null;
      for (String url : m.getPeerUrlsList()) {
        ManagedChannel ch = channels.open(URI.create(url), io.cairn.server.peer.ClusterIdCheck.stamp(clusterId));
        try {
          resp = PeerGrpc.newBlockingStub(ch).withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .hashKV(HashKVRequest.newBuilder().setRevision(revision).build());
          break;
        } catch (StatusRuntimeException e) {
          last = e;
        } finally {
          ch.shutdownNow();
        }
      }
      out.add(new PeerHash(m.getId(), m.getPeerUrlsList(), resp, resp == null ? last : null));
    }
    return out;
  }
}
