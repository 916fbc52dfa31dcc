package io.cairn.server.apply;

import io.cairn.proto.serverpb.InternalRequest;

/**
 * What alarms and the backend quota let through when a committed request is applied (etcd's capped, corrupt and
 * quota appliers). Refusals decided by replicated state (alarms) are the same on every member; the quota is each
 * member's own, as in etcd.
 */
public interface ApplyGate {
  /** Throws the etcd error that refuses {@code req} before it is applied (an alarm is active), or returns. */
  void beforeApply(InternalRequest req);

  /**
   * Called after {@code req} was applied and before its answer goes out: throws etcd's NOSPACE error when this
   * member's quota was exhausted before it (the write stays applied, as in etcd; the caller only hears the error).
   */
  void afterApply(InternalRequest req, boolean quotaWasAvailable);

  /** Whether this member's quota allows {@code req}, measured before applying it. */
  boolean quotaAvailable(InternalRequest req);

  /** Lets everything through (tests, tools). */
  ApplyGate OPEN = new ApplyGate() {
    @Override
    public void beforeApply(InternalRequest req) { }

    @Override
    public void afterApply(InternalRequest req, boolean quotaWasAvailable) { }

    @Override
    public boolean quotaAvailable(InternalRequest req) {
      return true;
    }
  };
}
