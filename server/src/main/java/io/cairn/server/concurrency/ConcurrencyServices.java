package io.cairn.server.concurrency;

import io.cairn.server.api.Headers;
import io.cairn.server.apply.Proposer;
import io.cairn.server.lease.Leases;
import io.cairn.storage.mvcc.MvccStore;

/**
 * The Lock and Election services of one member, sharing one {@link StoreWaiter} thread. The owner calls
 * {@link #wake} after every applied batch (next to the watch hub's wake-up).
 */
public final class ConcurrencyServices implements AutoCloseable {
  private final StoreWaiter waiter;
  private final LockService lock;
  private final ElectionService election;

  public ConcurrencyServices(MvccStore store, Proposer proposer, Headers headers, Leases leases,
      io.cairn.server.raft.MemberStop stop) {
    this.waiter = new StoreWaiter(stop);
    LocalKv kv = new LocalKv(store, proposer, headers, waiter.executor());
    WaitDeletes waits = new WaitDeletes(kv, waiter);
    Sessions sessions = new Sessions(leases.grants());
    this.lock = new LockService(kv, waits, sessions, leases.lessor());
    this.election = new ElectionService(kv, waits, sessions, leases.lessor(), waiter);
  }

  public LockService lock() {
    return lock;
  }

  public ElectionService election() {
    return election;
  }

  /** Something was applied: re-check the waiting locks, campaigns and observers (any thread; cheap). */
  public void wake() {
    waiter.wake();
  }

  @Override
  public void close() {
    waiter.close();
  }
}
