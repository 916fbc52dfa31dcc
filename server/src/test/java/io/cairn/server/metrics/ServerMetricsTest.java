package io.cairn.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The event-fed meters under etcd's names, labels and buckets. The per-peer families only exist on a cluster, where
 * a single real etcd shows none: their shapes are pinned here to what a two-member etcd 3.4.23 exports.
 */
class ServerMetricsTest {
  static List<String> bounds(String text, String series) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile(Pattern.quote(series) + "le=\"([^\"]+)\"}").matcher(text);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  @Test
  void peerMetersCarryEtcdsLabelsAndRoundTripBuckets() {
    ServerMetrics metrics = new ServerMetrics();
    long peer = 0x65dc5326906d925bL;
    metrics.peerRoundTrip(peer, TimeUnit.MICROSECONDS.toNanos(150));
    metrics.peerSent(peer, 100);
    metrics.peerSent(peer, 20);
    metrics.peerReceived(peer, 7);
    String text = metrics.scrape();
    // etcd: 0.0001 doubling, 16 bounds, to 3.2768 s
    List<String> want = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      want.add(new java.math.BigDecimal("0.0001").multiply(java.math.BigDecimal.valueOf(1L << i)).stripTrailingZeros()
          .toPlainString());
    }
    want.add("+Inf");
    List<String> got = bounds(text, "etcd_network_peer_round_trip_time_seconds_bucket{To=\"65dc5326906d925b\",");
    assertThat(got.stream().map(b -> b.equals("+Inf") ? b
        : new java.math.BigDecimal(b).stripTrailingZeros().toPlainString()).toList()).isEqualTo(want);
    assertThat(text).contains("etcd_network_peer_round_trip_time_seconds_bucket{To=\"65dc5326906d925b\",le=\"2.0E-4\"} 1")
        .contains("etcd_network_peer_round_trip_time_seconds_count{To=\"65dc5326906d925b\"} 1")
        .contains("etcd_network_peer_sent_bytes_total{To=\"65dc5326906d925b\"} 120")
        .contains("etcd_network_peer_received_bytes_total{From=\"65dc5326906d925b\"} 7")
        // the failure series exists from the first traffic, at 0, so alerts can take its rate
        .contains("etcd_network_peer_sent_failures_total{To=\"65dc5326906d925b\"} 0");
    metrics.peerSendFailed(peer);
    assertThat(metrics.scrape()).contains("etcd_network_peer_sent_failures_total{To=\"65dc5326906d925b\"} 1");
  }

  @Test
  void applyAndServerEventsMoveTheirCounters() {
    ServerMetrics metrics = new ServerMetrics();
    metrics.kvApplied(2, 1, 0, true);
    metrics.kvApplied(0, 1, 0, false);
    metrics.kvApplied(0, 0, 3, false);
    metrics.slowApply();
    metrics.heartbeatSendFailed();
    metrics.proposalFailed();
    metrics.backendCommit(TimeUnit.MILLISECONDS.toNanos(3));
    metrics.backendSnapshot(TimeUnit.MILLISECONDS.toNanos(30));
    String text = metrics.scrape();
    assertThat(text).contains("etcd_mvcc_range_total 2", "etcd_mvcc_put_total 2", "etcd_mvcc_delete_total 3",
        "etcd_mvcc_txn_total 1", "etcd_server_slow_apply_total 1", "etcd_server_heartbeat_send_failures_total 1",
        "etcd_server_proposals_failed_total 1", "etcd_disk_backend_commit_duration_seconds_count 1",
        "etcd_disk_backend_snapshot_duration_seconds_count 1");
    // 3 ms falls in the 4 ms bucket, not the 2 ms one
    assertThat(text).contains("etcd_disk_backend_commit_duration_seconds_bucket{le=\"0.002\"} 0")
        .contains("etcd_disk_backend_commit_duration_seconds_bucket{le=\"0.004\"} 1");
  }
}
