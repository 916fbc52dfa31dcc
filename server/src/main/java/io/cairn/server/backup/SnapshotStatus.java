package io.cairn.server.backup;

import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * etcdutl's snapshot status for a Cairn backup, read from the store itself (unpacked into a temporary directory) so
 * the figures prove the backup opens: the hash is Maintenance.Hash of the store at the backup's revision, the total
 * keys every version it holds (etcd counts its backend's records), the total size that of the store's files.
 */
record SnapshotStatus(int hash, long revision, long totalKeys, long totalSize) {
  static SnapshotStatus of(Path file) throws IOException {
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
}
