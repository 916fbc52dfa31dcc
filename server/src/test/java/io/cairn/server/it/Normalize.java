package io.cairn.server.it;

/** Removes what legitimately differs between two servers' outputs: cluster and member ids. */
final class Normalize {
  private Normalize() {}

  static String ids(String text, long memberId, long clusterId) {
    String s = text;
    s = s.replaceAll("\"cluster_id\":\\d+", "\"cluster_id\":ID");
    s = s.replaceAll("\"member_id\":\\d+", "\"member_id\":ID");
    s = s.replace(Long.toHexString(memberId), "MEMBER").replace(Long.toHexString(clusterId), "CLUSTER");
    s = s.replace(Long.toUnsignedString(memberId), "MEMBER").replace(Long.toUnsignedString(clusterId), "CLUSTER");
    return s;
  }

  /** etcdctl's client-side log lines carry a timestamp and a random client target; keep the rest. */
  static String clientLog(String text) {
    return text.replaceAll("\"ts\":\"[^\"]*\"", "\"ts\":T").replaceAll("\"target\":\"[^\"]*\"", "\"target\":T");
  }
}
