package io.cairn.server.peer;

import com.google.protobuf.ByteString;
import io.cairn.proto.raftpb.Message;
import io.cairn.proto.serverpb.PeerGrpc;
import io.cairn.proto.serverpb.SnapshotAck;
import io.cairn.proto.serverpb.SnapshotChunk;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams a checkpoint of this member's store to a follower that fell behind the log, in 1 MiB
 * chunks with transport flow control, then reports the outcome to Raft. Runs on its own thread so
 * the raft thread never waits for it.
 */
final class SnapshotSender implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotSender.class);
  static final int CHUNK = 1 << 20;

  /** Makes a checkpoint of the store (a directory the sender deletes afterwards). */
  public interface Checkpointer {
    Path checkpoint() throws IOException;
  }

  /** Told the outcome: true when the follower installed it. */
  public interface Outcome {
    void done(long peer, boolean ok);
  }

  private final long peer;
  private final Channel channel;
  private final Message msgSnap;
  private final Checkpointer checkpointer;
  private final Outcome outcome;
  private volatile boolean cancelled;
  private volatile ClientCallStreamObserver<SnapshotChunk> stream;

  SnapshotSender(long peer, Channel channel, Message msgSnap, Checkpointer checkpointer, Outcome outcome) {
    this.peer = peer;
    this.channel = channel;
    this.msgSnap = msgSnap;
    this.checkpointer = checkpointer;
    this.outcome = outcome;
  }

  @Override
  public void run() {
    Path dir = null;
    boolean ok = false;
    try {
      if (PeerFaults.dropTo(peer)) {
        throw new IOException("partitioned from the peer (fault injection)");
      }
      dir = checkpointer.checkpoint();
      ok = send(dir);
    } catch (Exception e) {
      LOG.warn("sending a snapshot to {} failed: {}", Long.toHexString(peer), e.toString());
    } finally {
      if (dir != null) {
        deleteTree(dir);
      }
      outcome.done(peer, ok);
    }
  }

  /**
   * Stops sending: the member that started this stream no longer leads, and a follower must not install a store
   * from a former leader (Raft would refuse its term, but not before the bytes were streamed).
   */
  void cancel() {
    cancelled = true;
    ClientCallStreamObserver<SnapshotChunk> s = stream;
    if (s != null) {
      try {
        s.cancel("the sender no longer leads", null);
      } catch (RuntimeException ignored) {
        // already closed
      }
    }
  }

  @SuppressWarnings("unchecked")
  private boolean send(Path dir) throws Exception {
    CompletableFuture<Void> acked = new CompletableFuture<>();
    ClientCallStreamObserver<SnapshotChunk>[] out = new ClientCallStreamObserver[1];
    PeerGrpc.newStub(channel).installSnapshot(new ClientResponseObserver<SnapshotChunk, SnapshotAck>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<SnapshotChunk> s) {
        out[0] = s;
      }

      @Override
      public void onNext(SnapshotAck value) { }

      @Override
      public void onError(Throwable t) {
        acked.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        acked.complete(null);
      }
    });
    ClientCallStreamObserver<SnapshotChunk> stream = out[0];
    this.stream = stream;
    if (cancelled) {
      cancel();
      return false;
    }
    long started = System.nanoTime();
    LOG.atInfo().addKeyValue("snapshot-index", msgSnap.getSnapshot().getMetadata().getIndex())
        .addKeyValue("remote-peer-id", Long.toHexString(peer)).log("sending database snapshot");
    stream.onNext(SnapshotChunk.newBuilder().setMessage(msgSnap).build());
    CRC32C crc = new CRC32C();
    long bytes = 0;
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    byte[] buf = new byte[CHUNK];
    for (Path f : files) {
      String rel = dir.relativize(f).toString();
      try (InputStream in = Files.newInputStream(f)) {
        boolean first = true;
        for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0 || first; first = false) {
          awaitReady(stream, acked);
          if (cancelled) {
            throw new java.util.concurrent.CancellationException("the sender no longer leads");
          }
          io.cairn.storage.failpoint.Failpoints.hit(io.cairn.storage.failpoint.Failpoints.Point.snapshotDuringSend);
          crc.update(buf, 0, Math.max(n, 0));
          bytes += Math.max(n, 0);
          stream.onNext(SnapshotChunk.newBuilder().setFile(rel).setData(ByteString.copyFrom(buf, 0, Math.max(n, 0))).build());
          if (n <= 0) {
            break;
          }
        }
      }
    }
    stream.onNext(SnapshotChunk.newBuilder().setLast(true).setCrc32C((int) crc.getValue()).build());
    stream.onCompleted();
    acked.get(10, TimeUnit.MINUTES);
    LOG.atInfo().addKeyValue("snapshot-index", msgSnap.getSnapshot().getMetadata().getIndex())
        .addKeyValue("remote-peer-id", Long.toHexString(peer)).addKeyValue("files", files.size())
        .addKeyValue("bytes", bytes).addKeyValue("took", java.time.Duration.ofNanos(System.nanoTime() - started))
        .log("sent database snapshot");
    return true;
  }

  /** Transport flow control: never buffer a whole checkpoint in memory. */
  private static void awaitReady(ClientCallStreamObserver<SnapshotChunk> s, CompletableFuture<Void> acked) {
    while (!s.isReady() && !acked.isDone()) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    if (acked.isCompletedExceptionally()) {
      acked.join();
    }
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // best effort: a leftover checkpoint is removed at the next start
        }
      });
    } catch (IOException ignored) {
      // already gone
    }
  }
}
