package io.cairn.server.it;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Base of the jetcd tests: one Cairn per test class and a jetcd client connected to it. */
abstract class AgainstCairn {
  @TempDir
  static Path dir;
  static Member cairn;
  static Client client;

  @BeforeAll
  static void startCairn() throws Exception {
    cairn = Member.cairn(dir);
    client = Client.builder().endpoints(cairn.url()).build();
  }

  @AfterAll
  static void stopCairn() throws Exception {
    if (client != null) {
      client.close();
      client = null;
    }
    if (cairn != null) {
      cairn.close();
      cairn = null;
    }
  }

  static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
