package io.cairn.server.peer;

import io.cairn.proto.raftpb.Message;
import io.cairn.proto.serverpb.SnapshotAck;
import io.cairn.proto.serverpb.SnapshotChunk;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Receives one snapshot stream: writes the files into a fresh directory, checks the CRC over all
 * bytes, fsyncs, then hands the directory and Raft's MsgSnap to the installer and acknowledges once
 * it is installed.
 */
final class SnapshotReceiver implements StreamObserver<SnapshotChunk> {
  /** Offers the received checkpoint with its MsgSnap to Raft; completes once Raft took or refused it. */
  public interface Installer {
    CompletableFuture<Void> install(Message msgSnap, Path checkpoint);
  }

  private final Path dir;
  private final Installer installer;
  private final StreamObserver<SnapshotAck> ack;
  private final CRC32C crc = new CRC32C();
  private Message message;
  private String currentFile;
  private OutputStream current;
  private boolean failed;
  private long started;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SnapshotReceiver.class);

  private final java.util.function.LongPredicate removed;

  SnapshotReceiver(Path incomingRoot, Installer installer, StreamObserver<SnapshotAck> ack,
      java.util.function.LongPredicate removed) {
    this.removed = removed;
    this.dir = incomingRoot.resolve("incoming-" + UUID.randomUUID());
    this.installer = installer;
    this.ack = ack;
  }

  @Override
  public void onNext(SnapshotChunk c) {
    if (failed) {
      return;
    }
    try {
      if (c.hasMessage()) {
        if (removed.test(c.getMessage().getFrom())) {
          fail(io.cairn.server.api.EtcdErrors.MEMBER_REMOVED);
          return;
        }
        message = c.getMessage();
        started = System.nanoTime();
        LOG.atInfo().addKeyValue("remote-snapshot-sender-id", Long.toHexString(message.getFrom()))
            .addKeyValue("incoming-snapshot-index", message.getSnapshot().getMetadata().getIndex())
            .log("receiving database snapshot");
        Files.createDirectories(dir);
        return;
      }
      if (c.getLast()) {
        closeCurrent();
        if ((int) crc.getValue() != c.getCrc32C() || message == null) {
          fail("snapshot checksum mismatch");
          return;
        }
        fsyncTree();
        LOG.atInfo().addKeyValue("remote-snapshot-sender-id", Long.toHexString(message.getFrom()))
            .addKeyValue("incoming-snapshot-index", message.getSnapshot().getMetadata().getIndex())
            .addKeyValue("download-took", java.time.Duration.ofNanos(System.nanoTime() - started))
            .log("received and saved database snapshot");
        installer.install(message, dir).whenComplete((ok, err) -> {
          if (err != null) {
            ack.onError(Status.INTERNAL.withDescription("installing the snapshot failed: " + err).asRuntimeException());
          } else {
            ack.onNext(SnapshotAck.getDefaultInstance());
            ack.onCompleted();
          }
        });
        return;
      }
      if (!c.getFile().equals(currentFile)) {
        closeCurrent();
        Path f = dir.resolve(c.getFile()).normalize();
        if (!f.startsWith(dir)) {
          fail("bad file name in snapshot: " + c.getFile());
          return;
        }
        Files.createDirectories(f.getParent());
        current = Files.newOutputStream(f);
        currentFile = c.getFile();
      }
      c.getData().writeTo(current);
      crc.update(c.getData().asReadOnlyByteBuffer());
    } catch (IOException e) {
      fail("writing the snapshot failed: " + e.getMessage());
    }
  }

  private void closeCurrent() throws IOException {
    if (current != null) {
      current.close();
      current = null;
    }
  }

  private void fsyncTree() throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.toList()) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
          ch.force(true);
        }
      }
    }
  }

  private void fail(String why) {
    failed = true;
    try {
      closeCurrent();
    } catch (IOException ignored) {
      // the directory is removed below
    }
    SnapshotSender.deleteTree(dir);
    ack.onError(Status.DATA_LOSS.withDescription(why).asRuntimeException());
  }

  @Override
  public void onError(Throwable t) {
    failed = true;
    try {
      closeCurrent();
    } catch (IOException ignored) {
      // removed below
    }
    SnapshotSender.deleteTree(dir);
  }

  @Override
  public void onCompleted() {
    // the ack is sent once the snapshot is installed
  }
}
