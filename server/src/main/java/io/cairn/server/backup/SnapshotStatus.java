package io.cairn.server.backup;

import io.cairn.storage.bbolt.BoltFormatException;
import io.cairn.storage.etcd.EtcdBackend;
import io.cairn.storage.etcd.EtcdDbStatus;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * etcdutl's snapshot status for a Cairn backup (or an etcd snapshot: {@link #ofEtcd}), read from the store itself (unpacked into a temporary directory) so
 * the figures prove the backup opens: the hash is Maintenance.Hash of the store at the backup's revision, the total
 * keys every version it holds (etcd counts its backend's records), the total size that of the store's files.
 */
record SnapshotStatus(int hash, long revision, long totalKeys, long totalSize) {
  static SnapshotStatus of(Path file) throws IOException {
    if (EtcdSnapshotFile.isEtcd(file)) {
      return ofEtcd(file);
    }
    Path tmp = Files.createTempDirectory("cairn-snapshot-status-");
    try {
      Path dir = tmp.resolve("store");
      BackupHeader h = BackupFile.extract(file, dir, false);
      try (MvccStore s = MvccStore.open(dir, StoreOptions.builder().syncWrites(false).build())) {
        if (s.currentRevision() != h.store().revision()) {
          throw new IOException("corrupt backup: the header says revision " + h.store().revision()
              + " but the store is at " + s.currentRevision());
        }
        return new SnapshotStatus(s.hash().hash(), s.currentRevision(), s.historyEntries(), h.dataBytes());
      }
    } finally {
      BackupSource.deleteTree(tmp);
    }
  }

  /**
   * An etcd snapshot, figured as etcdutl does from its bbolt database; the SHA-256 trailer, when there is one, is
   * checked first (etcdutl does not), so a damaged file is reported rather than described.
   */
  private static SnapshotStatus ofEtcd(Path file) throws IOException {
    long data = EtcdSnapshotFile.verify(file, java.nio.file.Files.size(file) % 512 != 32);
    try (EtcdBackend etcd = EtcdBackend.open(file, data)) {
      EtcdDbStatus s = EtcdDbStatus.of(etcd);
      return new SnapshotStatus(s.hash(), s.revision(), s.totalKeys(), s.totalSize());
    } catch (BoltFormatException | IllegalArgumentException e) {
      throw new IOException("corrupt etcd snapshot " + file + ": " + e.getMessage(), e);
    }
  }
}
