package io.cairn.server.it;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Base of the differential tests: one real etcd and one Cairn, started per test class. */
abstract class SideBySide {
  @TempDir
  static Path dir;
  static Member etcd;
  static Member cairn;

  @BeforeAll
  static void startBoth() throws Exception {
    etcd = Member.etcd(dir);
    cairn = Member.cairn(dir);
  }

  @AfterAll
  static void stopBoth() throws Exception {
    if (cairn != null) {
      cairn.close();
      cairn = null;
    }
    if (etcd != null) {
      etcd.close();
      etcd = null;
    }
  }
}
