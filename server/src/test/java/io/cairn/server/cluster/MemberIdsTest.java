package io.cairn.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemberIdsTest {
  @Test
  void defaultMemberHasEtcdsWellKnownIds() {
    long member = MemberIds.memberId(List.of(URI.create("http://localhost:2380")), "etcd-cluster");
    assertThat(MemberIds.hex(member)).isEqualTo("8e9e05c52164694d");
    assertThat(MemberIds.hex(MemberIds.clusterId(member))).isEqualTo("cdf818194e3a8c32");
  }

  @Test
  void peerUrlOrderDoesNotMatterButTheTokenDoes() {
    List<URI> ab = List.of(URI.create("http://a:1"), URI.create("http://b:2"));
    List<URI> ba = List.of(URI.create("http://b:2"), URI.create("http://a:1"));
    assertThat(MemberIds.memberId(ab, "t")).isEqualTo(MemberIds.memberId(ba, "t"));
    assertThat(MemberIds.memberId(ab, "t")).isNotEqualTo(MemberIds.memberId(ab, "u"));
  }

  @Test
  void clusterIdIgnoresMemberOrder() {
    assertThat(MemberIds.clusterId(1, -5, 3)).isEqualTo(MemberIds.clusterId(3, 1, -5));
  }
}
