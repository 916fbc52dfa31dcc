package io.cairn.server.raft;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Linearizable reads on their way through Raft's ReadIndex, owned by the raft thread. Reads queued since the last
 * round share one round (etcd batches them the same way). A round's context is this member's id followed by a
 * sequence number, so contexts from different members never collide at the leader, which tells pending reads apart
 * by context. A round whose answer has not come within {@code retryTicks} is sent again with the same context (its
 * request or its heartbeat responses may have been lost); etcd re-sends after 500 ms likewise.
 */
final class ReadRounds {
  private final long memberId;
  private final int retryTicks;
  private final List<CompletableFuture<Void>> queued = new ArrayList<>();
  private final Map<ByteString, Round> issued = new HashMap<>();
  private long seq;

  private static final class Round {
    final List<CompletableFuture<Void>> reads;
    int ticksWaited;

    Round(List<CompletableFuture<Void>> reads) {
      this.reads = reads;
    }
  }

  /** Sends a ReadIndex request for a context. */
  interface Sender {
    void readIndex(ByteString ctx);
  }

  ReadRounds(long memberId, int retryTicks) {
    this.memberId = memberId;
    this.retryTicks = Math.max(1, retryTicks);
  }

  void queue(CompletableFuture<Void> read) {
    queued.add(read);
  }

  /** Starts one round for every read queued since the last. */
  void issue(Sender raft) {
    if (queued.isEmpty()) {
      return;
    }
    ByteString ctx = context(memberId, ++seq);
    issued.put(ctx, new Round(new ArrayList<>(queued)));
    queued.clear();
    raft.readIndex(ctx);
  }

  /** On every tick: rounds unanswered for {@code retryTicks} are sent again. */
  void tick(Sender raft) {
    for (Map.Entry<ByteString, Round> e : issued.entrySet()) {
      Round r = e.getValue();
      r.reads.removeIf(CompletableFuture::isDone); // timed out meanwhile
      if (++r.ticksWaited >= retryTicks) {
        r.ticksWaited = 0;
        raft.readIndex(e.getKey());
      }
    }
    issued.values().removeIf(r -> r.reads.isEmpty());
  }

  /** The reads of the round {@code ctx} answered; null when it is not one of ours (or was answered already). */
  List<CompletableFuture<Void>> answered(ByteString ctx) {
    Round r = issued.remove(ctx);
    return r == null ? null : r.reads;
  }

  /** Fails every issued round (etcd fails reads caught in a leader change; clients retry them). */
  void failIssued(RuntimeException why) {
    for (Iterator<Round> it = issued.values().iterator(); it.hasNext(); ) {
      it.next().reads.forEach(f -> f.completeExceptionally(why));
      it.remove();
    }
  }

  /** Fails everything, issued or queued. */
  void failAll(RuntimeException why) {
    failIssued(why);
    queued.forEach(f -> f.completeExceptionally(why));
    queued.clear();
  }

  int pendingRounds() {
    return issued.size();
  }

  static ByteString context(long memberId, long seq) {
    return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(memberId).putLong(seq).array());
  }
}
