package io.cairn.server.robustness;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.server.robustness.History.KV;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The lease checks catch what they claim to: a revoke that left its key, a lost key, members that disagree. */
class LeaseTrafficTest {
  private static KV keyOf(long lease) {
    return new KV(LeaseTraffic.keyOf(lease), "v", 5, 5, 1, lease);
  }

  private static LeaseTraffic traffic() {
    LeaseTraffic t = new LeaseTraffic(0, null, null, null);
    t.granted(1, true, true);   // revoked, acknowledged
    t.granted(2, true, null);   // never revoked
    t.granted(3, false, false); // revoke outcome unknown: anything goes
    return t;
  }

  @Test
  void aConsistentEndPasses() {
    assertThat(traffic().check(Map.of(LeaseTraffic.keyOf(2), keyOf(2)), List.of(Set.of(2L), Set.of(2L)))).isNull();
    assertThat(traffic().check(Map.of(LeaseTraffic.keyOf(2), keyOf(2)), Arrays.asList(Set.of(2L), null, Set.of(2L))))
        .isNull();
  }

  @Test
  void anAcknowledgedRevokeThatLeftItsKeyIsCaught() {
    assertThat(traffic().check(Map.of(LeaseTraffic.keyOf(1), keyOf(1), LeaseTraffic.keyOf(2), keyOf(2)),
        List.of(Set.of(2L)))).contains("acknowledged revoke");
  }

  @Test
  void theLostKeyOfALiveLeaseIsCaught() {
    assertThat(traffic().check(Map.of(), List.of(Set.of(2L)))).contains("never revoked");
  }

  @Test
  void membersListingDifferentLeasesAreCaught() {
    Map<String, KV> keys = Map.of(LeaseTraffic.keyOf(2), keyOf(2));
    assertThat(traffic().check(keys, List.of(Set.of(2L), Set.of(2L, 3L)))).contains("different leases");
    assertThat(traffic().check(keys, List.of(Set.of(1L, 2L)))).contains("after an acknowledged revoke");
    assertThat(traffic().check(keys, List.of(Set.of()))).contains("is not listed");
  }
}
