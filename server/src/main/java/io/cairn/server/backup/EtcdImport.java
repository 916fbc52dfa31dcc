package io.cairn.server.backup;

import io.cairn.proto.authpb.Role;
import io.cairn.proto.authpb.User;
import io.cairn.server.auth.AuthRows;
import io.cairn.storage.bbolt.BoltFormatException;
import io.cairn.storage.etcd.EtcdBackend;
import io.cairn.storage.etcd.EtcdLease;
import io.cairn.storage.mvcc.StoreImport;
import io.cairn.storage.mvcc.StoreOptions;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Builds a Cairn store from an etcd backend: every version with its revisions (tombstones too), the leases (their
 * keys attached as etcd's lessor re-attaches them on start), users, roles, the auth flag and revision, and the
 * compaction marks; the store then is what it would be had Cairn applied etcd's history itself.
 */
final class EtcdImport {
  private EtcdImport() {}

  /** Imports the database in the first {@code dataBytes} of {@code file} into the new store {@code storeDir}. */
  static long into(Path file, long dataBytes, Path storeDir) throws IOException {
    try (EtcdBackend etcd = EtcdBackend.open(file, dataBytes);
        StoreImport store = StoreImport.create(storeDir, StoreOptions.builder().syncWrites(false).build())) {
      etcd.forEachVersion((rev, sub, tombstone, kv) -> store.version(kv.getKey(), rev, sub, tombstone,
          kv.getCreateRevision(), kv.getVersion(), kv.getLease(), kv.getValue()));
      for (EtcdLease l : etcd.leases()) {
        store.lease(l.id(), l.ttl(), l.remainingTtl());
      }
      for (User u : etcd.users()) {
        store.authRow(AuthRows.userKey(u.getName().toStringUtf8()), u.toByteArray());
      }
      for (Role r : etcd.roles()) {
        store.authRow(AuthRows.roleKey(r.getName().toStringUtf8()), r.toByteArray());
      }
      store.authRow(AuthRows.enabledKey(), AuthRows.enabledValue(etcd.authEnabled()));
      if (etcd.authRevision() >= 0) {
        store.authRow(AuthRows.revisionKey(), AuthRows.revisionValue(etcd.authRevision()));
      }
      long scheduled = etcd.scheduledCompactRevision();
      long finished = etcd.finishedCompactRevision();
      // as etcd's restore: keys at the top may all be compacted away, the compaction's revision then is current
      long current = Math.max(store.maxRevision(), Math.max(scheduled, finished));
      store.finish(current, Math.max(scheduled, finished), finished);
      return Math.max(current, 1);
    } catch (BoltFormatException | IllegalArgumentException e) {
      throw new IOException("corrupt etcd snapshot " + file + ": " + e.getMessage(), e);
    }
  }
}
