package io.cairn.server.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** etcd's revision schedule: each five-minute wake-up compacts to current minus the retention, once per revision. */
class RevisionCompactorTest {
  long current;
  boolean leading = true;
  boolean succeed = true;
  final List<Long> compacted = new ArrayList<>();

  private RevisionCompactor compactor(long retention) {
    return new RevisionCompactor(retention, () -> current, r -> {
      compacted.add(r);
      return succeed;
    }, () -> leading);
  }

  @Test
  void keepsTheLastRetentionRevisions() {
    RevisionCompactor c = compactor(1000);
    assertThat(RevisionCompactor.STEP_NANOS).isEqualTo(300_000_000_000L);
    current = 1000;
    c.step();
    assertThat(compacted).isEmpty(); // nothing to compact yet: rev - retention <= 0
    current = 6000;
    c.step();
    assertThat(compacted).containsExactly(5000L);
    c.step();
    assertThat(compacted).containsExactly(5000L); // no new revision, no new compaction
    current = 6500;
    c.step();
    assertThat(compacted).containsExactly(5000L, 5500L);
  }

  @Test
  void retriesAFailureAndOnlyTheLeaderCompacts() {
    RevisionCompactor c = compactor(10);
    current = 50;
    leading = false;
    c.step();
    assertThat(compacted).isEmpty();
    leading = true;
    succeed = false;
    c.step();
    c.step();
    assertThat(compacted).containsExactly(40L, 40L);
    succeed = true;
    c.step();
    c.step();
    assertThat(compacted).containsExactly(40L, 40L, 40L);
  }
}
