package io.cairn.server.backup;

import io.cairn.server.CairnServer;
import io.cairn.server.cluster.MemberIdentity;
import io.cairn.server.cluster.MemberIds;
import io.cairn.server.config.ServerConfig;
import io.cairn.server.raft.LogBootstrap;
import io.cairn.storage.mvcc.MvccStore;
import io.cairn.storage.mvcc.StoreOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.stream.Stream;

/**
 * etcdutl's snapshot restore: a new member data directory whose store is the backup's (every key, value, revision,
 * version, lease and the compact revision; from a Cairn backup, or from an etcd snapshot via {@link EtcdImport}) as the first member state of a new cluster: ids derived from the given
 * --initial-cluster and token, the membership written as the bootstrap of its raft log, and the store's consistent
 * index reset to 0 so that log (which starts again at index 1) applies to it. The member then starts with the usual
 * command; its flags no longer decide the membership. Built beside the target and moved into place at the end, so a
 * failed restore leaves no half-made data directory.
 */
final class SnapshotRestore {
  private SnapshotRestore() {}

  /** What was restored, for the command's report. */
  record Result(Path dataDir, MemberIdentity identity, long revision) {}

  static Result run(Path backup, ServerConfig cfg, boolean skipHashCheck) throws IOException {
    List<URI> own = cfg.initialCluster.get(cfg.name);
    if (own == null) {
      throw new IOException("member name \"" + cfg.name + "\" is not in --initial-cluster " + cfg.initialCluster);
    }
    if (!new HashSet<>(own).equals(new HashSet<>(cfg.initialAdvertisePeerUrls))) {
      throw new IOException("--initial-cluster has " + cfg.name + "=" + own + " but missing from"
          + " --initial-advertise-peer-urls=" + cfg.initialAdvertisePeerUrls);
    }
    Path dataDir = cfg.dataDir.toAbsolutePath();
    if (Files.exists(dataDir) && !isEmptyDir(dataDir)) {
      throw new IOException("data-dir \"" + cfg.dataDir + "\" not empty or could not be read");
    }
    Path work = dataDir.resolveSibling(dataDir.getFileName() + ".restoring");
    BackupSource.deleteTree(work);
    try {
      Path memberDir = work.resolve("member");
      Path storeDir = memberDir.resolve("store");
      long revision = EtcdSnapshotFile.isEtcd(backup)
          ? EtcdImport.into(backup, EtcdSnapshotFile.verify(backup, skipHashCheck,
              Progress.onTerminal("checking " + backup.getFileName(), Files.size(backup))), storeDir)
          : BackupFile.extract(backup, storeDir, skipHashCheck,
              Progress.onTerminal("checking " + backup.getFileName(), Files.size(backup)),
              Progress.onTerminal("restoring " + backup.getFileName(), Files.size(backup))).store().revision();
      try (MvccStore store = MvccStore.open(storeDir, StoreOptions.builder().build())) {
        if (store.currentRevision() != revision) {
          throw new IOException("corrupt backup: the header says revision " + revision
              + " but the store is at " + store.currentRevision());
        }
        store.resetConsistentIndex();
      }
      MemberIdentity identity = MemberIdentity.loadOrCreate(memberDir, CairnServer.derive(cfg));
      LogBootstrap.bootstrap(memberDir, identity.memberId(), identity.clusterId(), CairnServer.bootstrapRecords(cfg));
      if (Files.exists(dataDir)) {
        Files.delete(dataDir); // empty, checked above
      }
      Files.move(work, dataDir, StandardCopyOption.ATOMIC_MOVE);
      try (FileChannel d = FileChannel.open(dataDir.getParent(), StandardOpenOption.READ)) {
        d.force(true);
      }
      return new Result(cfg.dataDir, identity, revision);
    } catch (IOException | RuntimeException e) {
      BackupSource.deleteTree(work);
      throw e;
    }
  }

  private static boolean isEmptyDir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  static String describe(Result r) {
    return "restored snapshot at revision " + r.revision() + " into " + r.dataDir() + " (member "
        + MemberIds.hex(r.identity().memberId()) + ", new cluster " + MemberIds.hex(r.identity().clusterId()) + ")";
  }
}
