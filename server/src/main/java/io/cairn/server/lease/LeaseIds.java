package io.cairn.server.lease;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;

/**
 * Server-chosen lease ids, as etcd picks them ({@code reqIDGen.Next() & (1<<63 - 1)}): the low 16 bits of the member
 * id, then a millisecond timestamp and a counter, masked to a positive int63. So ids never repeat across restarts and
 * members, and look like etcd's ({@code 694d…} for the default member).
 */
public final class LeaseIds {
  private final AtomicLong next;

  public LeaseIds(long memberId, long nowMillis) {
    long prefix = (memberId & 0xFFFFL) << 48;
    long suffix = (nowMillis & 0xFF_FFFF_FFFFL) << 8;
    this.next = new AtomicLong(prefix | suffix);
  }

  /** The next id that is positive and not {@code taken}. */
  public long next(LongPredicate taken) {
    while (true) {
      long id = next.incrementAndGet() & Long.MAX_VALUE;
      if (id != 0 && !taken.test(id)) {
        return id;
      }
    }
  }
}
