package io.cairn.storage.mvcc;

/**
 * Told about every applied lease change, on the writer (apply) thread, right after the change is written and while
 * the store's write lock is held: it must be quick and must not call back into the store's write methods. Replayed
 * requests (raft index already applied) are not reported: their effect is already part of the leases
 * {@link MvccStore#subscribeLeases} replayed to the listener as grants.
 */
public interface LeaseListener {
  void granted(LeaseRecord lease);

  void revoked(long id);

  void checkpointed(long id, long remainingTtl);

  /**
   * The store's contents were replaced (a raft snapshot installed on a follower): forget every lease; the leases of
   * the new contents follow as {@code granted}.
   */
  void reset();
}
