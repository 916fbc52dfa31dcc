package io.cairn.server.lease;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The indexed heap against a plain map: random puts (inserts and moves), removals and polls. */
class LeaseQueueTest {
  @Test
  void behavesLikeAMapOrderedByDeadline() {
    for (long seed = 1; seed <= 200; seed++) {
      Random r = new Random(seed);
      LeaseQueue q = new LeaseQueue();
      Map<Long, Long> model = new HashMap<>();
      for (int step = 0; step < 300; step++) {
        long id = r.nextInt(40);
        switch (r.nextInt(4)) {
          case 0, 1 -> {
            long deadline = Long.MAX_VALUE - 1000 + r.nextInt(2000); // wraps: ordering is by difference
            q.put(id, deadline);
            model.put(id, deadline);
          }
          case 2 -> {
            q.remove(id);
            model.remove(id);
          }
          default -> {
            if (!model.isEmpty()) {
              long min = model.values().stream().min((a, b) -> Long.compare(a - b, 0)).orElseThrow();
              assertThat(q.peekDeadline()).as("seed %d step %d", seed, step).isEqualTo(min);
              assertThat(model.get(q.peekId())).isEqualTo(min);
              long top = q.peekId();
              q.remove(top);
              model.remove(top);
            }
          }
        }
        assertThat(q.size()).isEqualTo(model.size());
        assertThat(q.contains(id)).isEqualTo(model.containsKey(id));
      }
    }
  }

  @Test
  void movingAnEntryKeepsOneEntryPerLease() {
    LeaseQueue q = new LeaseQueue();
    q.put(1, 100);
    q.put(2, 50);
    q.put(1, 10);
    assertThat(q.size()).isEqualTo(2);
    assertThat(q.peekId()).isEqualTo(1);
    q.put(1, 1000);
    assertThat(q.peekId()).isEqualTo(2);
    q.clear();
    assertThat(q.isEmpty()).isTrue();
    assertThat(q.contains(1)).isFalse();
  }
}
