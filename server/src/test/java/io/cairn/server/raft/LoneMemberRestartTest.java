package io.cairn.server.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.proto.etcdserverpb.KVGrpc;
import io.cairn.proto.etcdserverpb.PutRequest;
import io.cairn.proto.etcdserverpb.RangeRequest;
import io.cairn.server.InProcessServer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restarted single-member cluster elects itself at once instead of sitting out an election timeout, whether its
 * configuration comes back from replayed log entries or from a snapshot. The election timeout here is 30 s, so a
 * member that waited for it (at least 30 s, randomized up to 60) could not answer within the 15 s deadline.
 */
class LoneMemberRestartTest {
  private static final String[] FLAGS = {"--election-timeout", "30000", "--heartbeat-interval", "100",
      "--snapshot-count", "100", "--snapshot-catchup-entries", "10"};

  @TempDir Path dir;

  private static KVGrpc.KVBlockingStub kv(InProcessServer s) {
    return KVGrpc.newBlockingStub(s.channel).withDeadlineAfter(15, TimeUnit.SECONDS);
  }

  private static String linearizableGet(InProcessServer s, String key) {
    return kv(s).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build())
        .getKvs(0).getValue().toStringUtf8();
  }

  private static void put(InProcessServer s, String key, String value) {
    kv(s).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
        .setValue(ByteString.copyFromUtf8(value)).build());
  }

  @Test
  void restartsLeadAtOnceFromReplayedEntriesAndFromASnapshot() throws Exception {
    try (InProcessServer s = new InProcessServer(dir, FLAGS)) {
      put(s, "a", "1"); // a fresh lone voter campaigns at once already (bootstrap)
    }
    // no snapshot yet: the configuration comes back from the replayed bootstrap entries
    try (InProcessServer s = new InProcessServer(dir, FLAGS)) {
      assertThat(linearizableGet(s, "a")).isEqualTo("1");
      for (int i = 0; i < 250; i++) put(s, "k" + i, "v" + i); // past --snapshot-count: snapshots taken
    }
    // now it comes from the newest snapshot
    try (InProcessServer s = new InProcessServer(dir, FLAGS)) {
      assertThat(linearizableGet(s, "k249")).isEqualTo("v249");
    }
  }
}
