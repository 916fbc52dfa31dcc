package io.cairn.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.cairn.proto.raftpb.ConfChangeSingle;
import io.cairn.proto.raftpb.ConfChangeType;
import io.cairn.proto.raftpb.ConfChangeV2;
import io.cairn.proto.serverpb.MemberRecord;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Each applied membership change is one line in etcd's words, and a replayed one (same result) is none. */
class MembershipLogTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger(Membership.class);
  private final ListAppender<ILoggingEvent> seen = new ListAppender<>();

  @AfterEach
  void detach() {
    logger.detachAppender(seen);
  }

  private static ConfChangeV2 change(ConfChangeType type, long id, MemberRecord ctx) {
    ConfChangeV2.Builder b = ConfChangeV2.newBuilder()
        .addChanges(ConfChangeSingle.newBuilder().setType(type).setNodeId(id));
    if (ctx != null) {
      b.setContext(ctx.toByteString());
    }
    return b.build();
  }

  private static Map<String, Object> fields(ILoggingEvent e) {
    return e.getKeyValuePairs().stream().collect(Collectors.toMap(kv -> kv.key, kv -> kv.value));
  }

  @Test
  void addPromoteUpdateAndRemoveAreEachOneLine() {
    seen.start();
    logger.addAppender(seen);
    Membership m = new Membership();
    long id = 0xabcL;
    MemberRecord rec = MemberRecord.newBuilder().setId(id).addPeerUrls("http://127.0.0.1:1").build();
    m.apply(change(ConfChangeType.ADD_LEARNER_NODE, id, rec));
    m.apply(change(ConfChangeType.ADD_LEARNER_NODE, id, rec)); // replayed: nothing new
    m.apply(change(ConfChangeType.ADD_NODE, id, null));
    m.apply(change(ConfChangeType.UPDATE_NODE, id, rec.toBuilder().clearPeerUrls().addPeerUrls("http://127.0.0.1:2").build()));
    m.apply(change(ConfChangeType.REMOVE_NODE, id, null));
    m.apply(change(ConfChangeType.REMOVE_NODE, id, null)); // replayed
    assertThat(seen.list.stream().map(ILoggingEvent::getMessage).toList())
        .containsExactly("added member", "promote member", "updated member", "removed member");
    assertThat(fields(seen.list.get(0))).containsEntry("added-peer-id", "abc")
        .containsEntry("added-peer-peer-urls", List.of("http://127.0.0.1:1")).containsEntry("added-peer-is-learner", true);
    assertThat(fields(seen.list.get(1))).containsEntry("promoted-member-id", "abc");
    assertThat(fields(seen.list.get(2))).containsEntry("updated-remote-peer-urls", List.of("http://127.0.0.1:2"));
    assertThat(fields(seen.list.get(3))).containsEntry("removed-remote-peer-id", "abc")
        .containsEntry("removed-remote-peer-urls", List.of("http://127.0.0.1:2"));
  }
}
