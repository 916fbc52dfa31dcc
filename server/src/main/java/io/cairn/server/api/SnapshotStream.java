package io.cairn.server.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.cairn.proto.etcdserverpb.SnapshotResponse;
import io.cairn.server.Versions;
import io.cairn.server.backup.BackupSource;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Maintenance.Snapshot call: takes the checkpoint and streams the backup file as etcd streams its database (32
 * KiB blobs with {@code remaining_bytes} counting down, then the SHA-256 with {@code remaining_bytes = 0}, every
 * message with the storage {@code version}). All work runs on the given executor, never on a raft or apply thread;
 * a chunk is read only while gRPC can take it (onReady), so a slow client holds at most a window of chunks in memory.
 * The checkpoint is deleted when the stream ends, fails or is cancelled.
 */
final class SnapshotStream {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotStream.class);

  private final ServerCallStreamObserver<SnapshotResponse> call;
  private final Executor executor;
  private BackupSource source; // guarded by this
  private boolean cancelled; // guarded by this
  private boolean finished; // guarded by this

  private SnapshotStream(ServerCallStreamObserver<SnapshotResponse> call, Executor executor) {
    this.call = call;
    this.executor = executor;
  }

  /** Starts the stream; {@code open} takes the checkpoint (on the executor). Call from the service method. */
  static void start(ServerCallStreamObserver<SnapshotResponse> call, Executor executor, Callable<BackupSource> open) {
    SnapshotStream s = new SnapshotStream(call, executor);
    call.setOnCancelHandler(() -> {
      synchronized (s) {
        s.cancelled = true;
      }
      executor.execute(s::pump);
    });
    call.setOnReadyHandler(() -> executor.execute(s::pump));
    executor.execute(() -> {
      try {
        BackupSource src = open.call();
        LOG.info("sending a backup to a client: revision {}, {} bytes", src.header().store().revision(),
            src.payloadBytes());
        synchronized (s) {
          if (s.finished) { // cancelled while the checkpoint was being taken
            src.close();
            return;
          }
          s.source = src;
        }
        s.pump();
      } catch (Exception e) {
        s.fail(e);
      }
    });
  }

  /** Sends while the transport is ready; serialised, so calls from several threads take turns. */
  private synchronized void pump() {
    if (finished || source == null && !cancelled) {
      return;
    }
    if (cancelled) {
      LOG.info("backup download cancelled by the client");
      finish();
      return;
    }
    try {
      while (call.isReady()) {
        if (source.remaining() == 0) {
          call.onNext(message(UnsafeByteOperations.unsafeWrap(source.checksum()), 0));
          call.onCompleted();
          finish();
          return;
        }
        byte[] chunk = source.next();
        call.onNext(message(UnsafeByteOperations.unsafeWrap(chunk), source.remaining()));
      }
    } catch (Exception e) {
      fail(e);
    }
  }

  private static SnapshotResponse message(ByteString blob, long remaining) {
    return SnapshotResponse.newBuilder().setRemainingBytes(remaining).setBlob(blob)
        .setVersion(Versions.ETCD_STORAGE).build();
  }

  private synchronized void fail(Exception e) {
    if (finished) {
      return;
    }
    LOG.warn("sending a backup failed: {}", e.toString());
    if (!cancelled) {
      call.onError(EtcdErrors.toStatus(e));
    }
    finish();
  }

  private void finish() {
    finished = true;
    if (source != null) {
      source.close();
    }
  }
}
