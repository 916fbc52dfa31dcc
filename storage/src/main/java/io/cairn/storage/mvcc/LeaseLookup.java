package io.cairn.storage.mvcc;

/**
 * Answers whether a lease exists, so a Put with {@code lease != 0} can be refused with etcd's
 * "etcdserver: requested lease not found". Called on the apply thread only; it must answer from the state of the
 * same applied raft index (deterministically), or replicas would diverge.
 */
@FunctionalInterface
public interface LeaseLookup {
  /** The default before a lessor exists: no lease exists. */
  LeaseLookup NONE = leaseId -> false;

  boolean exists(long leaseId);
}
