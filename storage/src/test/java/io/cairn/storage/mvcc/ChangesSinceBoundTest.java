package io.cairn.storage.mvcc;

import static io.cairn.storage.mvcc.StoreFixture.fastOptions;
import static io.cairn.storage.mvcc.StoreFixture.putReq;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.proto.mvccpb.Event;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A watch catch-up batch is bounded by bytes too, ending at a revision boundary with at least one revision. */
class ChangesSinceBoundTest {
  @TempDir Path dir;

  @Test
  void aBatchEndsAtTheRevisionThatCrossesTheByteBound() {
    try (MvccStore s = MvccStore.open(dir, fastOptions())) {
      String big = "x".repeat(1000);
      for (int i = 0; i < 10; i++) {
        s.put(putReq("k" + i, big).build(), 0);
      }
      List<Event> batch = s.changesSince(2, 1000, 2500);
      // revisions 2, 3 and 4 (3 x ~1000 bytes): the bound is crossed by the third, which is kept whole
      assertThat(batch).extracting(e -> e.getKv().getModRevision()).containsExactly(2L, 3L, 4L);
      assertThat(s.changesSince(2, 1000, 10)).hasSize(1);
      assertThat(s.changesSince(2, 1000, 0)).hasSize(10);
    }
  }
}
