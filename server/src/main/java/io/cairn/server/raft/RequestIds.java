package io.cairn.server.raft;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Unique ids for proposals, as etcd's idutil makes them: the low 16 bits of the member id, then a
 * millisecond timestamp and a counter, so ids never repeat across members or restarts.
 */
final class RequestIds {
  private final AtomicLong next;

  RequestIds(long memberId, long nowMillis) {
    long prefix = (memberId & 0xFFFFL) << 48;
    long suffix = (nowMillis & 0xFF_FFFF_FFFFL) << 8;
    this.next = new AtomicLong(prefix | suffix);
  }

  long next() {
    return next.incrementAndGet();
  }
}
